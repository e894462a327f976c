// Whether a new call may join its queue: a queue holds at most QUEUE_MAX_WAITING calls waiting to start, and a tool
// with `limits.maxQueued` at most that many of its own — beyond either, the call is refused at once (503
// QUEUE_FULL, Retry-After) instead of waiting in an ever longer queue. Calls parked waiting for their client are
// not waiting to start and do not count.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { FleetError, type CallJob, type FleetKeys } from '@mcp-fleet/shared';
import type { ToolLimits } from '../catalog/catalog.ts';

/** A queue's waiting count is read at most this often per node (one Redis round trip per queue, not per call). */
const COUNT_REFRESH_MS = 200;
/** Entries of a full per-tool set are checked against BullMQ (a call whose job is gone no longer waits). */
const PRUNE_BATCH = 20;

export class Admission {
  private readonly counts = new Map<string, { at: number; waiting: number }>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly maxWaiting: number,
    private readonly queue: (name: string) => Queue,
  ) {}

  /** Throws QUEUE_FULL when the call may not join; otherwise records it as waiting (per-tool limits). */
  async admit(queueName: string, job: CallJob, limits: ToolLimits | undefined): Promise<void> {
    const waiting = await this.waiting(queueName);
    if (waiting >= this.maxWaiting) {
      throw new FleetError('QUEUE_FULL', { args: [String(waiting), `queue ${queueName}`, String(this.maxWaiting)] });
    }
    const max = limits?.maxQueued;
    if (max === undefined) return;
    const key = this.keys.queuedCalls(job.target);
    let n = await this.redis.zcard(key);
    if (n >= max) n = await this.prune(queueName, key);
    if (n >= max) throw new FleetError('QUEUE_FULL', { args: [String(n), `tool ${job.target}`, String(max)] });
    await this.redis.multi().zadd(key, Date.now(), job.jobId).pexpire(key, 86_400_000).exec();
  }

  /** The call did not join after all (enqueueing failed). */
  async withdraw(job: CallJob): Promise<void> {
    await this.redis.zrem(this.keys.queuedCalls(job.target), job.jobId).catch(() => 0);
  }

  private async waiting(queueName: string): Promise<number> {
    const cached = this.counts.get(queueName);
    if (cached && Date.now() - cached.at < COUNT_REFRESH_MS) return cached.waiting;
    const c = await this.queue(queueName).getJobCounts('wait', 'prioritized');
    const waiting = (c.wait ?? 0) + (c.prioritized ?? 0);
    this.counts.set(queueName, { at: Date.now(), waiting });
    return waiting;
  }

  /**
   * Drops the oldest entries whose job is over (its worker left the entry behind, or the job is gone). An active job
   * stays: a call waiting for a free slot passes through `active` each time it looks for one (run-gate.ts), and the
   * worker itself takes the entry out once the call runs.
   */
  private async prune(queueName: string, key: string): Promise<number> {
    const oldest = await this.redis.zrange(key, 0, PRUNE_BATCH - 1);
    const states = await Promise.all(oldest.map((id) => this.queue(queueName).getJobState(id)));
    const gone = oldest.filter((_, i) => ['completed', 'failed', 'unknown'].includes(String(states[i])));
    if (gone.length) await this.redis.zrem(key, ...gone);
    return this.redis.zcard(key);
  }
}
