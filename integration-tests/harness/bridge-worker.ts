// Starts `mcp-fleet bridge … -- <command> [args…]` beside a running fleet: a worker whose tools are an existing stdio
// MCP server's, run as child processes. Same Redis and key prefix as the fleet; the bridge picks its own queue.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { joiningEnv, readyWorker } from './extra-worker.ts';
import type { Fleet, WorkerNode } from './fleet.ts';
import type { LogEntry } from './process.ts';
import { FleetProcess } from './process.ts';

export interface BridgeWorkerOptions {
  nodeId: string;
  /** the stdio server: command and arguments (after `--`) */
  command: string;
  args: string[];
  /** options before `--`, e.g. ['--concurrency', '1'] */
  flags?: string[];
  env?: Record<string, string>;
  logName?: string;
  readyTimeoutMs?: number;
}

export interface BridgeWorker extends WorkerNode {
  /** PIDs of the children as the bridge logged them ("child started"), latest first per child index */
  childPids(): Map<number, number>;
  /** resolves with the "child started" entry of a child whose PID is not `previousPid` */
  waitForChildRestart(child: number, previousPid: number, timeoutMs?: number): Promise<LogEntry>;
}

/** The path of an npm package's bin script (run with `node`, so the test needs no shell or npx). */
export function packageBin(pkg: string, bin?: string): string {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve(`${pkg}/package.json`);
  const manifest = require(manifestPath) as { bin: string | Record<string, string> };
  const rel = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin[bin ?? Object.keys(manifest.bin)[0]!]!;
  return join(dirname(manifestPath), rel);
}

/** Starts the bridge and resolves once it logged "bridge ready"; the caller stops it (kill or proc.stop()). */
export async function startBridgeWorker(fleet: Fleet, opts: BridgeWorkerOptions): Promise<BridgeWorker> {
  const proc = new FleetProcess({
    role: 'bridge',
    nodeId: opts.nodeId,
    logName: opts.logName ?? 'bridge',
    args: [...(opts.flags ?? []), '--', opts.command, ...opts.args],
    env: { ...joiningEnv(fleet, opts.nodeId), ...opts.env },
  });
  const node = await readyWorker(proc, opts.nodeId, 'bridge ready', opts.readyTimeoutMs ?? 30_000);
  const started = (e: LogEntry) => e.msg === 'child started' && typeof e.pid === 'number';
  return {
    ...node,
    childPids() {
      const pids = new Map<number, number>();
      for (const e of proc.findLogs(started)) pids.set(e.child as number, e.pid as number);
      return pids;
    },
    waitForChildRestart(child, previousPid, timeoutMs = 15_000) {
      return proc.waitForLog(
        (e) => started(e) && e.child === child && e.pid !== previousPid,
        timeoutMs,
        `child ${child} to start again`,
      );
    },
  };
}

/** The text of a result's text content items, joined (bridged servers may answer with several). */
export function allText(result: object): string {
  return (((result as { content?: unknown }).content ?? []) as { type: string; text?: string }[])
    .filter((c) => c.type === 'text')
    .map((c) => c.text)
    .join('');
}
