// One fleet process (front node or worker) started by a test: spawned with `node bin/mcp-fleet.mjs <role>`,
// its stdout/stderr kept in memory line by line (and copied to integration-tests/.logs/) so tests can wait for a
// log line, and stopped by its own PID only.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cliPath = join(repoRoot, 'bin', 'mcp-fleet.mjs');
export const logsDir = join(repoRoot, 'integration-tests', '.logs');

/** One pino line (JSON) as parsed; `raw` is the line itself, kept for lines that are not JSON. */
export interface LogEntry {
  msg?: string;
  level?: number;
  [field: string]: unknown;
}

export type Role = 'front' | 'worker' | 'bridge';

export interface SpawnOptions {
  role: Role;
  nodeId: string;
  env: Record<string, string>;
  /** file name stem for the log copy, e.g. `resume-on-other-node` */
  logName: string;
  /** the CLI to run; default bin/mcp-fleet.mjs (TypeScript through tsx), or the bundle, dist/mcp-fleet.mjs */
  script?: string;
  /** arguments after the role (a bridge's `-- <command> …`) */
  args?: string[];
}

/** Every child we started, so a crashing test process still takes them down (see the exit hook below). */
const live = new Set<ChildProcess>();
/** Other processes a test started (its redis-server), by PID, until they are stopped. */
export const livePids = new Set<number>();
let exitHookInstalled = false;
function killEverything(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const pid of livePids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', killEverything);
  // Interrupted (Ctrl-C, or the test runner stopping this file): take the fleet down, then exit as the signal would.
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      killEverything();
      process.exit(code);
    });
  }
}

export class FleetProcess {
  readonly role: Role;
  readonly nodeId: string;
  readonly child: ChildProcess;
  /** every output line, stdout and stderr, in arrival order */
  readonly lines: string[] = [];
  /** the stdout lines that parsed as JSON objects (pino) */
  readonly logs: LogEntry[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly waiters = new Set<{ pred: (e: LogEntry) => boolean; resolve: (e: LogEntry) => void }>();
  private readonly logFile: WriteStream;

  constructor(opts: SpawnOptions) {
    installExitHook();
    this.role = opts.role;
    this.nodeId = opts.nodeId;
    mkdirSync(logsDir, { recursive: true });
    this.logFile = createWriteStream(join(logsDir, `${opts.logName}-${opts.nodeId}.log`), { flags: 'w' });
    this.child = spawn(process.execPath, [opts.script ?? cliPath, opts.role, ...(opts.args ?? [])], {
      cwd: repoRoot,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(this.child);
    this.writeLog(
      `[harness] spawned ${opts.role} ${opts.nodeId} (pid ${this.child.pid}) at ${new Date().toISOString()}\n`,
    );
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        live.delete(this.child);
        this.exitInfo = { code, signal };
        const line = `[harness] process exited (code ${code}, signal ${signal}) at ${new Date().toISOString()}`;
        this.lines.push(line);
        this.writeLog(`${line}\n`);
        resolve({ code, signal });
      });
    });
    this.child.once('error', (err) => this.lines.push(`[harness] spawn error: ${err.message}`));
    this.pipe(this.child.stdout!, 'stdout');
    this.pipe(this.child.stderr!, 'stderr');
  }

  private writeLog(text: string): void {
    if (!this.logFile.writableEnded) this.logFile.write(text);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  private pipe(stream: NodeJS.ReadableStream, which: 'stdout' | 'stderr'): void {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        this.onLine(buf.slice(0, nl), which);
        buf = buf.slice(nl + 1);
      }
    });
    stream.on('end', () => {
      if (buf) this.onLine(buf, which);
      buf = '';
    });
  }

  private onLine(line: string, which: 'stdout' | 'stderr'): void {
    this.lines.push(which === 'stderr' ? `[stderr] ${line}` : line);
    this.writeLog(which === 'stderr' ? `[stderr] ${line}\n` : `${line}\n`);
    let entry: LogEntry | undefined;
    if (line.startsWith('{')) {
      try {
        const v: unknown = JSON.parse(line);
        if (v && typeof v === 'object' && !Array.isArray(v)) entry = v as LogEntry;
      } catch {
        // not JSON: kept in `lines` only
      }
    }
    if (!entry) return;
    this.logs.push(entry);
    for (const w of [...this.waiters]) {
      if (w.pred(entry)) {
        this.waiters.delete(w);
        w.resolve(entry);
      }
    }
  }

  /** The last `n` output lines, for failure messages. */
  tail(n = 40): string {
    return this.lines.slice(-n).join('\n');
  }

  /** Log entries matching `pred` so far. */
  findLogs(pred: (e: LogEntry) => boolean): LogEntry[] {
    return this.logs.filter(pred);
  }

  /**
   * Resolves with the first log entry (already seen or future) matching `pred`; rejects after `timeoutMs`,
   * or when the process exits first, with the process's last output.
   */
  waitForLog(pred: (e: LogEntry) => boolean, timeoutMs = 10_000, what = 'log line'): Promise<LogEntry> {
    const seen = this.logs.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise<LogEntry>((resolve, reject) => {
      const waiter = {
        pred,
        resolve: (e: LogEntry) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      const fail = (why: string) => {
        this.waiters.delete(waiter);
        clearTimeout(timer);
        reject(
          new Error(
            `${this.nodeId} (${this.role}, pid ${this.pid}): ${why} while waiting for ${what}\n` +
              `--- last output of ${this.nodeId} ---\n${this.tail()}\n---`,
          ),
        );
      };
      const timer = setTimeout(() => fail(`no match in ${timeoutMs} ms`), timeoutMs);
      this.waiters.add(waiter);
      void this.exited.then(({ code, signal }) => {
        if (this.waiters.has(waiter)) fail(`process exited (code ${code}, signal ${signal})`);
      });
    });
  }

  /** Sends `signal` to this process (by PID) and resolves when it has exited. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.alive) return;
    this.child.kill(signal);
    await this.exited;
  }

  /** SIGTERM, then SIGKILL after `graceMs` if it is still running. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.alive) {
      this.writeLog(`[harness] sending SIGTERM at ${new Date().toISOString()}\n`);
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!this.alive) return;
        this.writeLog(`[harness] still running ${graceMs} ms after SIGTERM: sending SIGKILL\n`);
        this.child.kill('SIGKILL');
      }, graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => this.logFile.end(() => resolve()));
  }
}
