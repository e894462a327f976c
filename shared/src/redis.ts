// One Redis client factory, a role per client (BullMQ "going to production"):
// - 'command': request/response work on a hot path; fails fast when Redis is down (no offline queue) so a client
//   gets a 503 instead of a hang.
// - 'subscriber': pub/sub; reconnects forever and resubscribes by itself.
// - 'bullmq': connections BullMQ workers own; they must retry forever (maxRetriesPerRequest: null).
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { defineScripts } from './scripts.ts';

export type RedisRole = 'command' | 'subscriber' | 'bullmq';

export function createRedis(url: string, role: RedisRole, name: string, log?: Logger): Redis {
  const base: RedisOptions = {
    connectionName: name,
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
  };
  const byRole: Record<RedisRole, RedisOptions> = {
    // No auto-pipelining: ioredis defers each command to setImmediate to batch it, a tick added to every hop of a
    // call (measured: it cost latency here and bought no throughput); commands that belong together use MULTI.
    command: { enableOfflineQueue: true, maxRetriesPerRequest: 1, connectTimeout: 2000 },
    subscriber: { maxRetriesPerRequest: null },
    bullmq: { maxRetriesPerRequest: null, enableReadyCheck: false },
  };
  const redis = new Redis(url, { ...base, ...byRole[role] });
  let lastError = '';
  redis.on('error', (err: Error) => {
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
