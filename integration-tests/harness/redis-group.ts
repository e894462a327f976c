// A group of redis-server processes (a cluster's masters, a Sentinel deployment) sharing one data directory, for the
// tests that need more than one Redis: started from the binaries on PATH, stopped together with their directory.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findOnPath, RedisUnavailableError } from '../../shared/src/redis-launcher.ts';

const run = promisify(execFile);

export class RedisGroup {
  readonly dir: string;
  readonly procs = new Map<number, ChildProcess>();
  private readonly server: string;
  private readonly cliBin: string;

  constructor(what: string) {
    const server = findOnPath('redis-server');
    const cli = findOnPath('redis-cli');
    if (!server || !cli) throw new RedisUnavailableError(`${what} needs redis-server and redis-cli on PATH`);
    this.server = server;
    this.cliBin = cli;
    this.dir = mkdtempSync(join(tmpdir(), 'mcpf-redis-group-'));
  }

  /** Starts redis-server on `port` (127.0.0.1, no RDB snapshots, data in the group's directory) with `args`. */
  start(port: number, args: string[]): void {
    const base = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', this.dir];
    this.procs.set(port, spawn(this.server, [...base, ...args], { stdio: 'ignore' }));
  }

  /** Starts a process from a config file (a Sentinel: `redis-server <conf> --sentinel`). */
  startWith(port: number, args: string[]): void {
    this.procs.set(port, spawn(this.server, args, { stdio: 'ignore' }));
  }

  /** redis-cli against one port; its trimmed output. */
  async cli(port: number, ...args: string[]): Promise<string> {
    return (await run(this.cliBin, ['-p', String(port), ...args])).stdout.trim();
  }

  /** redis-cli without a port (`--cluster create …`). */
  async cliRaw(...args: string[]): Promise<string> {
    return (await run(this.cliBin, args)).stdout.trim();
  }

  kill(port: number): void {
    this.procs.get(port)?.kill('SIGKILL');
  }

  pids(): number[] {
    return [...this.procs.values()].map((p) => p.pid!);
  }

  async stop(): Promise<void> {
    for (const p of this.procs.values()) if (p.exitCode === null) p.kill('SIGKILL');
    await Promise.all(
      [...this.procs.values()].map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : undefined)),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}
