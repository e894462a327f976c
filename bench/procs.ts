// Processes the bench starts: its own redis-server, fleet nodes and SDK baseline servers. Every child is tracked
// and stopped by its own PID — SIGTERM, then SIGKILL — at the end, on an error, on Ctrl-C, and (SIGKILL) at exit.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { startRedis, type RunningRedis } from '@mcp-fleet/shared';

export const benchDir = import.meta.dirname;
export const repoRoot = join(benchDir, '..');

const live = new Set<Proc>();
const liveRedis = new Set<RunningRedis & { pids?: number[] }>();
/** set on Ctrl-C: nothing new is started while everything stops */
let shuttingDown = false;

process.once('exit', () => {
  for (const p of live) killQuietly(p.child.pid, 'SIGKILL');
  for (const r of liveRedis) for (const pid of r.pids ?? [r.pid]) killQuietly(pid, 'SIGKILL');
});

function killQuietly(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

export class Proc {
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  /** set once stop() was called: an exit after it is expected */
  stopped = false;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    live.add(this);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        live.delete(this);
        resolve(code);
      }),
    );
    for (const s of [child.stdout, child.stderr]) {
      s?.setEncoding('utf8');
      let buf = '';
      s?.on('data', (chunk: string) => {
        buf += chunk;
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          this.lines.push(buf.slice(0, nl));
          if (this.lines.length > 200) this.lines.shift();
          buf = buf.slice(nl + 1);
        }
      });
    }
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  tail(n = 15): string {
    return this.lines.slice(-n).join('\n');
  }

  /** Waits until `pred` holds for an output line (stdout or stderr). */
  async waitForLine(pred: (line: string) => boolean, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const hit = this.lines.find(pred);
      if (hit) return hit;
      if (!this.alive) throw new Error(`${this.name} exited:\n${this.tail()}`);
      await sleep(25);
    }
    throw new Error(`${this.name} not ready after ${timeoutMs} ms:\n${this.tail()}`);
  }

  /** SIGTERM (the process drains), SIGKILL after `graceMs`. */
  async stop(graceMs = 8000): Promise<void> {
    this.stopped = true;
    if (!this.alive) return;
    killQuietly(this.child.pid, 'SIGTERM');
    const t = setTimeout(() => killQuietly(this.child.pid, 'SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(t);
  }
}

export function spawnNode(name: string, args: string[], env: Record<string, string>, nodeFlags: string[] = []): Proc {
  if (shuttingDown) throw new Error(`not starting ${name}: the bench is stopping`);
  const child = spawn(process.execPath, [...nodeFlags, ...args], {
    cwd: repoRoot,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Proc(name, child);
}

export async function launchRedis(): Promise<RunningRedis> {
  if (shuttingDown) throw new Error('not starting Redis: the bench is stopping');
  return trackRedis(await startRedis({ localOnly: true }));
}

/** Puts a Redis (one server, or a cluster's masters: `pids`) among what stopAll() and the exit hook stop. */
export function trackRedis<R extends RunningRedis & { pids?: number[] }>(r: R): R {
  liveRedis.add(r);
  return {
    ...r,
    stop: async () => {
      liveRedis.delete(r);
      await r.stop();
    },
  };
}

/** Stops every process still running, by PID; with `final`, refuses to start new ones from then on. */
export async function stopAll(final = false): Promise<void> {
  if (final) shuttingDown = true;
  await Promise.all([...live].map((p) => p.stop(5000).catch(() => {})));
  for (const r of [...liveRedis]) {
    liveRedis.delete(r);
    await r.stop().catch(() => {});
  }
}

/** Polls GET <origin>/healthz until it answers 200. */
export async function waitHealthy(proc: Proc, origin: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!proc.alive) throw new Error(`${proc.name} exited:\n${proc.tail()}`);
    try {
      const res = await request(`${origin}/healthz`);
      await res.body.dump();
      if (res.statusCode === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`${proc.name} not healthy after ${timeoutMs} ms:\n${proc.tail()}`);
}

/** VmRSS of a process, in bytes. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** CPU time (user + system) a process has used so far, in ms (from /proc/<pid>/stat; clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Measures the CPU each process uses between start() and stop(), as a share of one core over the interval. */
export function cpuMeter(pids: Record<string, number | undefined>) {
  const t0 = performance.now();
  const start = Object.fromEntries(
    Object.entries(pids)
      .filter(([, p]) => p)
      .map(([k, p]) => [k, cpuMs(p!)]),
  );
  return () => {
    const ms = performance.now() - t0;
    return Object.fromEntries(Object.entries(start).map(([k, c]) => [k, +((cpuMs(pids[k]!) - c) / ms).toFixed(4)]));
  };
}

/** Pins a process and all its threads to `cores` (util-linux `taskset -a -p -c`); throws when taskset fails. */
export function pin(pid: number, cores: number[]): void {
  const r = spawnSync('taskset', ['-a', '-p', '-c', cores.join(','), String(pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`taskset on pid ${pid}: ${r.error?.message ?? r.stderr}`);
}

/** Busy time (everything but idle and iowait) of each core so far, in ms (from /proc/stat; clock ticks of 10 ms). */
export function coreBusyMs(): number[] {
  const out: number[] = [];
  for (const m of readFileSync('/proc/stat', 'utf8').matchAll(/^cpu(\d+) (.*)$/gm)) {
    const t = m[2]!.trim().split(/\s+/).map(Number);
    const all = t.slice(0, 8).reduce((a, b) => a + b, 0);
    out[Number(m[1])] = (all - t[3]! - t[4]!) * 10;
  }
  return out;
}

/** This process's soft limit on open files (from /proc/self/limits). */
export function openFilesLimit(): number {
  const m = /Max open files\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'));
  return !m || m[1] === 'unlimited' ? Infinity : Number(m[1]);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
