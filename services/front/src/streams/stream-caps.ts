// Open SSE streams per session (GET streams, resumes, streamed POST answers), counted fleet-wide: a sorted set per
// session of lease tokens scored by when each lapses. The node holding a stream renews its leases every keep-alive
// interval (one timer per node, not one per stream); a node that dies stops renewing, so its streams stop counting
// within the lease (3 keep-alive intervals) instead of leaking the session's quota.
import type { ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import {
  FleetError,
  fleetMetrics,
  acquireSlot,
  randomId,
  takeSlot,
  type FleetKeys,
  type JsonRpcId,
  type SessionRef,
  type StreamLease,
} from '@mcp-fleet/shared';

const never = () => false;

export class StreamCaps {
  /** lease token → its session's streams key, for the streams this node holds open */
  private readonly held = new Map<string, string>();
  private readonly timer: NodeJS.Timeout;
  private readonly leaseMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly nodeId: string,
    private readonly limit: number,
    keepaliveMs: number,
  ) {
    this.leaseMs = 3 * keepaliveMs;
    this.timer = setInterval(() => this.renewAll(), keepaliveMs);
    this.timer.unref();
  }

  /** A new lease on the session's open streams, not yet taken: a call's stream takes it as it opens. */
  lease(s: SessionRef): StreamLease {
    return {
      key: this.keys.sessionStreams(s),
      token: `${this.nodeId}:${randomId(8)}`,
      limit: this.limit,
      claimMs: this.leaseMs,
    };
  }

  /**
   * Counts one more open stream of the session until `raw` closes; TOO_MANY_STREAMS (429, Retry-After) when the
   * session already holds its limit. Call before the stream (or its job) starts.
   */
  async hold(s: SessionRef, raw: ServerResponse, id: JsonRpcId | null): Promise<void> {
    const lease = this.lease(s);
    const r = await takeSlot(this.redis, lease.key, lease.token, {
      limit: this.limit,
      claimMs: this.leaseMs,
      maxWaitSeconds: Math.ceil(this.leaseMs / 1000),
    });
    if (!r.taken) {
      fleetMetrics.quotaRejected({ reason: 'streams' });
      throw new FleetError('TOO_MANY_STREAMS', { args: [this.limit], id, retryAfterSeconds: r.retryAfterSeconds });
    }
    this.adopt(lease, raw);
  }

  /**
   * Renews a taken lease until `raw` closes, then gives it back — unless `givenBack()` says the stream's last
   * event gave it back already (append-events-n.lua: a call's answer), which saves the command.
   */
  adopt(lease: StreamLease, raw: ServerResponse, givenBack: () => boolean = never): void {
    this.held.set(lease.token, lease.key);
    // `on`, not `once`: 'close' comes once anyway, and a `once` wrapper costs ~200 B more per open stream.
    raw.on('close', () => this.release(lease, givenBack));
  }

  private release(lease: StreamLease, givenBack: () => boolean): void {
    if (!this.held.delete(lease.token) || givenBack()) return;
    this.redis.zrem(lease.key, lease.token).catch(() => {});
  }

  /** A lease taken for a call that did not start after all. */
  giveBack(lease: StreamLease): void {
    this.redis.zrem(lease.key, lease.token).catch(() => {});
  }

  /** Stops renewing and gives back every lease this node holds (its streams are being ended). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    // One command per lease: they are in their sessions' slots (a cluster refuses a pipeline across slots).
    const held = [...this.held];
    this.held.clear();
    await Promise.all(held.map(([token, key]) => this.redis.zrem(key, token).catch(() => 0)));
  }

  private renewAll(): void {
    for (const [token, key] of this.held) {
      acquireSlot(this.redis, key, token, { limit: this.limit, claimMs: this.leaseMs }).catch(() => {});
    }
  }
}
