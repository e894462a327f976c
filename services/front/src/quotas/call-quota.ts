// Calls in flight per principal, fleet-wide (MAX_CALLS_IN_FLIGHT_PER_PRINCIPAL): waiting, running or parked, in any
// queue. A front node counts a call when it enqueues its job (atomically, take-quota-1.lua) and workers uncount it
// when the job ends; a call whose job vanished without ending (its session deleted while it waited) is found and
// dropped when the principal reaches its quota. A principal at its quota is refused at once — 429 with Retry-After
// before the request is served, or (a race with a call counted meanwhile) the call's own JSON-RPC error — so one
// principal cannot fill every worker slot and queue of the fleet.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  FleetError,
  callMember,
  fleetMetrics,
  takeQuota,
  type FleetConfig,
  type FleetKeys,
  type JsonRpcId,
} from '@mcp-fleet/shared';

/** A principal's calls are checked against BullMQ at most this often per node (a flood at its quota costs no scans). */
const PRUNE_INTERVAL_MS = 1000;

/** The job states in which a call still counts. */
const IN_FLIGHT = new Set(['waiting', 'prioritized', 'active', 'delayed', 'waiting-children']);

export class CallQuota {
  private readonly pruned = new Map<string, number>();

  constructor(
    private readonly config: FleetConfig,
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly queue: (name: string) => Queue,
  ) {}

  private get quota(): number {
    return this.config.MAX_CALLS_IN_FLIGHT_PER_PRINCIPAL;
  }

  /** Before serving a request that starts calls: 429 when the principal is at its quota already. */
  async check(principal: string, id: JsonRpcId | null): Promise<void> {
    if (this.quota === 0) return;
    const key = this.keys.principalCalls(principal);
    if ((await this.redis.zcard(key)) < this.quota) return;
    if ((await this.pruneKey(key)) < this.quota) return;
    throw this.refusal(id);
  }

  /** Counts a call as it is enqueued; throws CALLS_IN_FLIGHT_QUOTA when the principal is at its quota. */
  async take(principal: string, queueName: string, jobId: string): Promise<void> {
    if (this.quota === 0) return;
    const key = this.keys.principalCalls(principal);
    const member = callMember(queueName, jobId);
    const args = { quota: this.quota, keepMs: this.config.TASK_MAX_TTL_MS };
    if (await takeQuota(this.redis, key, member, args)) return;
    await this.pruneKey(key);
    if (!(await takeQuota(this.redis, key, member, args))) throw this.refusal(null);
  }

  /**
   * What counts the call as its stream opens (open-stream-7.lua, same round trip), or undefined when no quota is
   * configured.
   */
  quotaArgs(principal: string, queueName: string, jobId: string) {
    if (this.quota === 0) return undefined;
    const key = this.keys.principalCalls(principal);
    return { key, member: callMember(queueName, jobId), limit: this.quota, keepMs: this.config.TASK_MAX_TTL_MS };
  }

  /** Drops the principal's calls whose jobs ended without being uncounted (at most once a second per node). */
  async prune(principal: string): Promise<void> {
    await this.pruneKey(this.keys.principalCalls(principal));
  }

  /** The call was not enqueued after all. */
  async release(principal: string, queueName: string, jobId: string): Promise<void> {
    if (this.quota === 0) return;
    await this.redis.zrem(this.keys.principalCalls(principal), callMember(queueName, jobId)).catch(() => 0);
  }

  refusal(id: JsonRpcId | null): FleetError {
    fleetMetrics.quotaRejected({ reason: 'calls_in_flight' });
    return new FleetError('CALLS_IN_FLIGHT_QUOTA', { args: [this.quota], id, retryAfterSeconds: 1 });
  }

  /** Drops the calls whose job no longer exists or has ended; returns how many remain. */
  private async pruneKey(key: string): Promise<number> {
    const now = Date.now();
    if (now - (this.pruned.get(key) ?? 0) < PRUNE_INTERVAL_MS) return this.redis.zcard(key);
    if (this.pruned.size > 10_000) this.pruned.clear();
    this.pruned.set(key, now);
    const members = await this.redis.zrange(key, 0, -1);
    const states = await Promise.all(
      members.map((m) => {
        const [queueName, jobId] = m.split(' ') as [string, string];
        return jobId ? this.queue(queueName).getJobState(jobId) : Promise.resolve('unknown');
      }),
    );
    const gone = members.filter((_, i) => !IN_FLIGHT.has(String(states[i])));
    if (gone.length) await this.redis.zrem(key, ...gone);
    return members.length - gone.length;
  }
}
