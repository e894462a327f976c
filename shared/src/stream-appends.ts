// Appends to session streams, group-committed per Redis client: an append made while fewer than
// APPEND_BATCHES_IN_FLIGHT batches are on their way goes at once (one call costs no added wait); appends made meanwhile are gathered and go
// together when one is answered, as one script call (append-events-n.lua) — per hash slot over a Redis Cluster. A fan-out of many
// calls' progress then costs Redis, the worker and the front node one script call, one write and one wake-up
// message per batch instead of per event. Each append keeps its own answer (and error): exactly-once and ordering
// are the script's, per append, as before.
import calculateSlot from 'cluster-key-slot';
import type { Redis } from 'ioredis';
import { appendEvents, type AppendArgs } from './scripts.ts';

/** How a client's appends are batched (APPEND_BATCH_MAX, APPEND_BATCHES_IN_FLIGHT). */
export interface AppendBatching {
  /** appends per script call at most: at 64, one call's run time on Redis stays short (~0.5 ms) */
  maxBatch: number;
  /** batches on their way at once: two let the worker prepare one while Redis runs the other */
  inFlight: number;
}

const DEFAULT_BATCHING: AppendBatching = { maxBatch: 64, inFlight: 2 };

interface Pending {
  args: AppendArgs;
  resolve: (seq: number) => void;
  reject: (err: unknown) => void;
}

class AppendBatcher {
  private queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly redis: Redis,
    private readonly batching: AppendBatching,
  ) {}

  append(args: AppendArgs): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ args, resolve, reject });
      // Gathered until the end of this tick (the appends one reply batch set off go together), or until the batch
      // on its way is answered.
      if (this.inFlight < this.batching.inFlight && !this.scheduled) {
        this.scheduled = true;
        process.nextTick(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    if (this.inFlight >= this.batching.inFlight || this.queue.length === 0) return;
    this.inFlight++;
    const taken = this.queue;
    this.queue = [];
    try {
      await Promise.all(this.chunks(taken).map((chunk) => this.send(chunk)));
    } finally {
      this.inFlight--;
      if (this.queue.length) void this.flush();
    }
  }

  private async send(chunk: Pending[]): Promise<void> {
    try {
      const results = await appendEvents(
        this.redis,
        chunk.map((p) => p.args),
      );
      chunk.forEach((p, i) => {
        const r = results[i];
        if (r instanceof Error) p.reject(r);
        else p.resolve(r ?? -1);
      });
    } catch (err) {
      for (const p of chunk) p.reject(err);
    }
  }

  /** Script calls for the gathered appends: by slot over a cluster (a script's keys share one), at most maxBatch. */
  private chunks(taken: Pending[]): Pending[][] {
    const groups = new Map<number, Pending[]>();
    const cluster = (this.redis as unknown as { isCluster?: boolean }).isCluster === true;
    for (const p of taken) {
      const slot = cluster ? calculateSlot(p.args.stream) : 0;
      const g = groups.get(slot);
      if (g) g.push(p);
      else groups.set(slot, [p]);
    }
    const out: Pending[][] = [];
    const n = this.batching.maxBatch;
    for (const g of groups.values()) for (let i = 0; i < g.length; i += n) out.push(g.slice(i, i + n));
    return out;
  }
}

const batchers = new WeakMap<Redis, AppendBatcher>();

/** Sets how a client's appends are batched (before its first append; a client not set up batches by the defaults). */
export function batchAppends(redis: Redis, batching: AppendBatching): void {
  batchers.set(redis, new AppendBatcher(redis, batching));
}

/** Appends one event (batched with the client's other appends); the new seq, 0 for a duplicate, -1 stream gone. */
export function appendEvent(redis: Redis, args: AppendArgs): Promise<number> {
  let b = batchers.get(redis);
  if (!b) {
    b = new AppendBatcher(redis, DEFAULT_BATCHING);
    batchers.set(redis, b);
  }
  return b.append(args);
}
