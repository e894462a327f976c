// One Redis client factory, a role per client (BullMQ "going to production"):
// - 'command': a front node's request/response work. Fails fast when Redis is down or does not answer (one retry, a
//   command timeout), so a client gets a 503 instead of a hang.
// - 'writer': a worker's appends and answers. Rides out an outage: commands wait for the reconnect (no retry limit)
//   and time out when Redis does not answer (a blackholed server), and the caller retries them — every append is
//   idempotent (append-event-3.lua), so a resend is harmless.
// - 'subscriber': pub/sub; reconnects forever and resubscribes by itself.
// - 'bullmq': connections BullMQ workers own; they must retry forever (maxRetriesPerRequest: null).
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { fleetMetrics } from './metrics.ts';
import { defineScripts } from './scripts.ts';

export type RedisRole = 'command' | 'writer' | 'subscriber' | 'bullmq';

export interface RedisClientOptions {
  /** how long a command may wait for Redis's answer ('command' and 'writer') */
  commandTimeoutMs: number;
}

export function createRedis(
  url: string,
  role: RedisRole,
  name: string,
  log?: Logger,
  opts: RedisClientOptions = { commandTimeoutMs: 1000 },
): Redis {
  const base: RedisOptions = {
    connectionName: name,
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 1000),
  };
  const byRole: Record<RedisRole, RedisOptions> = {
    // No auto-pipelining: ioredis defers each command to setImmediate to batch it, a tick added to every hop of a
    // call (measured: it cost latency here and bought no throughput); commands that belong together use MULTI.
    command: {
      enableOfflineQueue: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      commandTimeout: opts.commandTimeoutMs,
    },
    writer: { enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: opts.commandTimeoutMs },
    subscriber: { maxRetriesPerRequest: null },
    bullmq: { maxRetriesPerRequest: null, enableReadyCheck: false },
  };
  const redis = new Redis(url, { ...base, ...byRole[role] });
  let lastError = '';
  redis.on('error', (err: Error) => {
    fleetMetrics.redisError(role);
    // ioredis emits one error per failed reconnect; log each distinct message once.
    if (err.message !== lastError) log?.warn({ err: err.message, redis: name }, 'redis connection error');
    lastError = err.message;
  });
  redis.on('ready', () => {
    if (lastError) log?.info({ redis: name }, 'redis connection restored');
    lastError = '';
  });
  if (role !== 'subscriber') defineScripts(redis);
  return redis;
}

/** True for the errors a Redis outage causes (down, unreachable, not answering), as opposed to a bad command. */
export function isRedisOutage(err: unknown): boolean {
  const m = (err as Error)?.message ?? '';
  return /Connection is closed|ECONNREFUSED|ECONNRESET|Stream isn't writeable|MaxRetriesPerRequest|max retries per request|ETIMEDOUT|ENOTCONN|Command timed out|EPIPE|LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN/i.test(
    m,
  );
}
