// The fleet's recent errors and refusals, for the operator console: front nodes record refused requests (401, 403,
// 429) and server errors, workers record calls that ended badly. Recording is in memory; one write a second at most
// carries what came in (LPUSH + LTRIM into one capped list), so a flood of refusals — answered from memory by the
// rate limiter — costs Redis one small write per process and second, never one per refusal.
import type { Redis } from 'ioredis';
import type { FleetKeys } from './keys.ts';

export interface Incident {
  /** ms since the epoch */
  at: number;
  /** the front node or worker that saw it */
  node: string;
  /** `quota` a 429, `denied` a 401/403, `error` a server error or a call that failed */
  kind: 'quota' | 'denied' | 'error';
  /** the error's catalogue name, or the call's outcome */
  error: string;
  status?: number;
  principal?: string;
  /** the request (`POST /mcp`) or the call (`tools/call count`) */
  what: string;
}

/** Entries the list keeps; older ones fall off. */
export const INCIDENTS_KEPT = 200;
/** Entries one process writes per flush; the rest of a burst is counted, not stored. */
const PER_FLUSH = 20;
const FLUSH_MS = 1000;
const TTL_MS = 24 * 3600_000;

export class IncidentLog {
  private redis?: Redis;
  private keys?: FleetKeys;
  private node = '';
  private pending: Incident[] = [];
  private dropped = 0;
  private timer?: NodeJS.Timeout;

  /** Starts writing to Redis; until then (and in processes that never start it) recording is a no-op. */
  start(redis: Redis, keys: FleetKeys, node: string): void {
    this.redis = redis;
    this.keys = keys;
    this.node = node;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.redis = undefined;
  }

  record(i: Omit<Incident, 'at' | 'node'>): void {
    if (!this.redis) return;
    if (this.pending.length >= PER_FLUSH) this.dropped++;
    else this.pending.push({ at: Date.now(), node: this.node, ...i });
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  private flush(): void {
    this.timer = undefined;
    const { redis, keys } = this;
    if (!redis || !keys || this.pending.length === 0) return;
    const batch = this.pending.map((i) => JSON.stringify(i));
    if (this.dropped > 0) {
      const last = this.pending.at(-1)!;
      batch.push(JSON.stringify({ ...last, at: Date.now(), error: `${this.dropped} more like these`, what: '…' }));
    }
    this.pending = [];
    this.dropped = 0;
    const key = keys.incidents();
    void redis
      .multi()
      .lpush(key, ...batch)
      .ltrim(key, 0, INCIDENTS_KEPT - 1)
      .pexpire(key, TTL_MS)
      .exec()
      .catch(() => {});
  }
}

/** The process's incident log (like `fleetMetrics`: one per process, started by the service's entry point). */
export const fleetIncidents = new IncidentLog();

/** The newest `count` incidents of the fleet. */
export async function recentIncidents(redis: Redis, keys: FleetKeys, count: number): Promise<Incident[]> {
  const raw = await redis.lrange(keys.incidents(), 0, Math.min(count, INCIDENTS_KEPT) - 1);
  return raw.flatMap((r) => {
    try {
      return [JSON.parse(r) as Incident];
    } catch {
      return [];
    }
  });
}
