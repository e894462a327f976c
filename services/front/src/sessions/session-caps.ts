// Live sessions per principal, counted fleet-wide: a sorted set per principal of its session ids, scored by when
// each would expire (acquire-slot-1.lua prunes the lapsed ones as it counts). A session's entry slides with its idle
// TTL (or an HTTP+SSE session's lease), so a session that expired, or whose node died, stops counting by itself.
import type { Redis } from 'ioredis';
import { FleetError, fleetMetrics, acquireSlot, takeSlot, type FleetKeys, type SessionRef } from '@mcp-fleet/shared';

/** Retry-After never says more than this: a DELETE elsewhere may free a slot at any time. */
const MAX_RETRY_AFTER_S = 60;

export class SessionCaps {
  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly limit: number,
  ) {}

  /** Counts a new session in; TOO_MANY_SESSIONS (429, Retry-After) when its principal is at the limit. */
  async admit(s: SessionRef, ttlMs: number): Promise<void> {
    const r = await takeSlot(this.redis, this.keys.principalSessions(s.principal), s.sessionId, {
      limit: this.limit,
      claimMs: ttlMs,
      maxWaitSeconds: MAX_RETRY_AFTER_S,
    });
    if (!r.taken) {
      fleetMetrics.quotaRejected({ reason: 'sessions' });
      throw new FleetError('TOO_MANY_SESSIONS', {
        args: [JSON.stringify(s.principal), this.limit],
        retryAfterSeconds: r.retryAfterSeconds,
      });
    }
  }

  /** The session was used: its entry lives another `ttlMs` (best effort; a lost renewal only lets it lapse early). */
  renew(s: SessionRef, ttlMs: number): void {
    const key = this.keys.principalSessions(s.principal);
    acquireSlot(this.redis, key, s.sessionId, { limit: this.limit, claimMs: ttlMs }).catch(() => {});
  }

  async release(s: SessionRef): Promise<void> {
    await this.redis.zrem(this.keys.principalSessions(s.principal), s.sessionId);
  }
}
