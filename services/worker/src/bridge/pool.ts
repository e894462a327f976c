// The bridge's pool of child processes: each call goes to the ready child with the fewest calls, never more than
// BRIDGE_CONCURRENCY on one; a child that exits is restarted with backoff (BRIDGE_RESTART_BACKOFF_MS, doubled per
// restart in a row, at most BRIDGE_RESTART_MAX_BACKOFF_MS). A call whose child exited under it is run again on
// another (or the restarted) child when it is idempotent, else it fails with ChildExitedError.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { HandlerContext } from '../handler-api.ts';
import { Child, track, type ChildSpec, type ListKind, type RunningCall } from './child.ts';

export interface PoolOptions {
  spec: ChildSpec;
  children: number;
  concurrency: number;
  backoffMs: number;
  maxBackoffMs: number;
  log: Logger;
}

/** A child up this long before it exits starts the backoff count again. */
const STABLE_AFTER_MS = 10_000;
/** How long past the longest backoff a call waits for a child when none is running. */
const NO_CHILD_GRACE_MS = 30_000;

/** The child running a call exited before it answered. */
export class ChildExitedError extends Error {
  override name = 'ChildExitedError';
}

export interface RunOptions {
  /** what runs, for messages: `tool echo`, `resource demo://x` */
  what: string;
  /** safe to send to a child again after the first one exited mid-call */
  idempotent: boolean;
  /** how many times at most it is sent in all */
  maxRuns: number;
  signal?: AbortSignal;
}

export class ChildPool {
  readonly children: Child[];
  /** calls waiting for a child with a free slot */
  private readonly waiters = new Set<() => void>();
  private readonly restartsInARow = new Map<Child, number>();
  private stopping = false;
  private nextCallId = 0;
  onListChanged: (child: Child, kind: ListKind) => void = () => {};

  constructor(private readonly opts: PoolOptions) {
    const events = {
      exited: (child: Child) => this.exited(child),
      listChanged: (child: Child, kind: ListKind) => this.onListChanged(child, kind),
    };
    this.children = Array.from({ length: opts.children }, (_, i) => new Child(i, opts.spec, opts.log, events));
  }

  /** Starts every child; the first must start (a wrong command fails the bridge at once), the others retry. */
  async start(): Promise<Child> {
    const [first, ...rest] = this.children;
    await first!.start();
    await Promise.all(rest.map((c) => c.start().catch((err: Error) => this.failedStart(c, err))));
    return first!;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.children.map((c) => c.stop()));
  }

  /**
   * Runs `fn` on a child, with `ctx` (the fleet call's) receiving what the child asks and logs meanwhile.
   * Waits for a free slot; runs `fn` again on a live child when the first exited under it and the work is idempotent.
   */
  async run<T>(
    ctx: HandlerContext | undefined,
    opts: RunOptions,
    fn: (client: Client, relay: (write: Promise<unknown>) => void) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const child = await this.acquire(opts.signal);
      const generation = child.generation;
      const id = ++this.nextCallId;
      const call: RunningCall = { ctx, pending: new Set() };
      child.calls.set(id, call);
      try {
        const result = await fn(child.client!, (write) => track(call, write));
        // What the child sent before its answer reaches the stream before the answer does.
        while (call.pending.size) await Promise.all([...call.pending]);
        return result;
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        const lost =
          child.generation !== generation || (err instanceof McpError && err.code === ErrorCode.ConnectionClosed);
        if (!lost) throw err;
        const fields = { child: child.index, pid: child.pid, what: opts.what, attempt };
        if (opts.idempotent && attempt < opts.maxRuns) {
          this.opts.log.warn(fields, 'child exited mid-call: idempotent, sent again');
          continue;
        }
        this.opts.log.warn(fields, 'child exited mid-call: answered with an error');
        throw new ChildExitedError(
          opts.idempotent
            ? `the server process running ${opts.what} exited mid-call ${attempt} times; not sent again`
            : `the server process running ${opts.what} exited mid-call (it is being restarted); ${opts.what} is not ` +
                'idempotent, so it was not sent again: it may or may not have had its effect',
        );
      } finally {
        child.calls.delete(id);
        this.wakeOne();
      }
    }
  }

  /** The ready child with the fewest calls and a free slot; waits for one when there is none. */
  private async acquire(signal?: AbortSignal): Promise<Child> {
    // Bounded when no child runs at all (one that keeps exiting): a restart comes within the longest backoff.
    const giveUpAt = performance.now() + this.opts.maxBackoffMs + NO_CHILD_GRACE_MS;
    for (;;) {
      if (this.stopping) throw new ChildExitedError('the bridge is shutting down');
      signal?.throwIfAborted();
      let best: Child | undefined;
      for (const c of this.children) {
        if (c.ready && c.calls.size < this.opts.concurrency && (!best || c.calls.size < best.calls.size)) best = c;
      }
      if (best) return best;
      const noneReady = !this.children.some((c) => c.ready);
      if (noneReady && performance.now() >= giveUpAt) {
        throw new ChildExitedError(
          'no process of the bridged server is running (it keeps exiting: see the worker log)',
        );
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          signal?.removeEventListener('abort', wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = noneReady ? setTimeout(wake, Math.max(0, giveUpAt - performance.now())) : undefined;
        this.waiters.add(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
  }

  private wakeOne(): void {
    const [w] = this.waiters;
    w?.();
  }

  private wakeAll(): void {
    for (const w of [...this.waiters]) w();
  }

  private exited(child: Child): void {
    // Calls waiting for a slot look again: another child may take them, or they wait for the restart.
    this.wakeAll();
    const stable = performance.now() - child.upSince > STABLE_AFTER_MS;
    if (stable) this.restartsInARow.delete(child);
    this.scheduleRestart(child);
  }

  private failedStart(child: Child, err: Error): void {
    this.opts.log.warn({ child: child.index, err: err.message }, 'child did not start');
    this.scheduleRestart(child);
  }

  private scheduleRestart(child: Child): void {
    if (this.stopping) return;
    const n = this.restartsInARow.get(child) ?? 0;
    this.restartsInARow.set(child, n + 1);
    const delay = Math.min(this.opts.maxBackoffMs, this.opts.backoffMs * 2 ** n);
    this.opts.log.info({ child: child.index, delayMs: delay, restartsInARow: n + 1 }, 'child restarts');
    setTimeout(() => {
      if (this.stopping) return;
      child.start().then(
        () => this.wakeAll(),
        (err: Error) => this.failedStart(child, err),
      );
    }, delay).unref();
  }
}
