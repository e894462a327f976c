// Fleet-wide concurrency limits of tools (tool option `limits.concurrency`): a semaphore per tool in Redis, whose
// claims this worker renews while its jobs run. A job that finds every slot taken goes back to the queue for a
// moment (holding no worker) and tries again.
import type { Redis } from 'ioredis';
import { acquireSlot, type FleetKeys } from '@mcp-fleet/shared';

export class ToolSlots {
  /** job id → the tool whose slot it holds, and the tool's limit */
  private readonly held = new Map<string, { tool: string; limit: number }>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    /** how long a claim lasts unrenewed: a dead worker's slots are free again after it */
    private readonly claimMs: number,
  ) {}

  async acquire(tool: string, jobId: string, limit: number): Promise<boolean> {
    const ok = await acquireSlot(this.redis, this.keys.toolSlots(tool), jobId, { limit, claimMs: this.claimMs });
    if (ok) this.held.set(jobId, { tool, limit });
    return ok;
  }

  async release(jobId: string): Promise<void> {
    const h = this.held.get(jobId);
    if (!h) return;
    this.held.delete(jobId);
    await this.redis.zrem(this.keys.toolSlots(h.tool), jobId).catch(() => 0);
  }

  /** Renews every claim this worker holds (the worker's sweep calls it). */
  async renew(): Promise<void> {
    for (const [jobId, h] of this.held) {
      await acquireSlot(this.redis, this.keys.toolSlots(h.tool), jobId, {
        limit: h.limit,
        claimMs: this.claimMs,
      }).catch(() => false);
    }
  }
}
