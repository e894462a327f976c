// One Redis client factory, a role per client (BullMQ "going to production"):
// - 'command': a front node's request/response work. Fails fast when Redis is down or does not answer (one retry, a
//   command timeout), so a client gets a 503 instead of a hang.
// - 'writer': a worker's appends and answers. Rides out an outage: commands wait for the reconnect (no retry limit)
//   and time out when Redis does not answer (a blackholed server), and the caller retries them — every append is
//   idempotent (append-events-n.lua), so a resend is harmless.
// - 'subscriber': pub/sub; reconnects forever and resubscribes by itself.
// - 'bullmq': connections BullMQ workers own; they must retry forever (maxRetriesPerRequest: null).
// The same roles over a Redis Cluster (ioredis' Cluster: commands routed by slot, pub/sub sharded for subscribers)
// or behind Sentinel (ioredis follows the promoted master by itself).
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { fleetMetrics } from './metrics.ts';
import { defineScripts } from './scripts.ts';

export type RedisRole = 'command' | 'writer' | 'subscriber' | 'bullmq';

export interface RedisClientOptions {
  /** how long a command may wait for Redis's answer ('command' and 'writer') */
  commandTimeoutMs: number;
  /** 'writer': replicas that must acknowledge an append (WAIT) before it counts (standalone and sentinel) */
  waitReplicas?: number;
  waitTimeoutMs?: number;
}

const replicaWaits = new WeakMap<
  Redis,
  { replicas: number; timeoutMs: number; connected?: { n: number; at: number } }
>();
/** How long a master's count of connected replicas is trusted (one ROLE per interval, not per write). */
const ROLE_REFRESH_MS = 1000;

/**
 * After a write that a client may already have seen (a stream append): waits until the configured number of
 * replicas has it, so a failover to one of them (Sentinel) cannot take it back. Fewer acknowledgements throw an
 * error that counts as an outage, and the writer resends — a no-op where it landed, a write where it was lost.
 * It waits for no more replicas than are connected: a master with none (just promoted, its old master dead) has
 * nothing a failover could lose a write to, and waiting for a replica that is not there would stop every call.
 */
export async function awaitReplicas(redis: Redis): Promise<void> {
  const w = replicaWaits.get(redis);
  if (!w) return;
  const now = performance.now();
  if (!w.connected || now - w.connected.at > ROLE_REFRESH_MS) {
    const role = (await redis.call('ROLE')) as [string, number, unknown[]];
    w.connected = { n: role[0] === 'master' ? role[2].length : 0, at: now };
  }
  const needed = Math.min(w.replicas, w.connected.n);
  if (needed === 0) return;
  const acked = await redis.wait(needed, w.timeoutMs);
  if (acked < needed) {
    w.connected = undefined; // ask again: the replica may be gone
    throw new Error(`NOREPLICAS: ${acked} of ${needed} replicas acknowledged the write within ${w.timeoutMs} ms`);
  }
}

/** Where Redis is: a server, one node of a cluster, or a master group behind Sentinels (shared/src/config.ts). */
export interface RedisTarget {
  url: string;
  mode: 'standalone' | 'cluster' | 'sentinel';
  sentinels?: string[];
  sentinelName?: string;
}

export function redisTarget(config: {
  REDIS_URL?: string;
  REDIS_MODE: RedisTarget['mode'];
  REDIS_SENTINELS: string[];
  REDIS_SENTINEL_NAME: string;
}): RedisTarget {
  if (!config.REDIS_URL) throw new Error('REDIS_URL is required');
  return {
    url: config.REDIS_URL,
    mode: config.REDIS_MODE,
    sentinels: config.REDIS_SENTINELS,
    sentinelName: config.REDIS_SENTINEL_NAME,
  };
}

function hostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(s.slice(i + 1)) };
}

/**
 * A client for one role. Over a cluster the value is an ioredis Cluster, typed as Redis: it takes the same commands
 * (each routed by its key's slot) and the fleet uses no command a Cluster lacks; multi-key commands and scripts keep
 * their keys in one slot (keys.ts).
 */
export function createRedis(
  target: RedisTarget | string,
  role: RedisRole,
  name: string,
  log?: Logger,
  opts: RedisClientOptions = { commandTimeoutMs: 1000 },
): Redis {
  const t: RedisTarget = typeof target === 'string' ? { url: target, mode: 'standalone' } : target;
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
  const redis = connect(t, { ...base, ...byRole[role] }, role);
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
  // WAIT answers for the node it is sent to: over a cluster it would go to any node, so it is not used there.
  if (role === 'writer' && opts.waitReplicas && t.mode !== 'cluster') {
    replicaWaits.set(redis, { replicas: opts.waitReplicas, timeoutMs: opts.waitTimeoutMs ?? 1000 });
  }
  return redis;
}

function connect(t: RedisTarget, options: RedisOptions, role: RedisRole): Redis {
  if (t.mode === 'standalone') return new Redis(t.url, options);
  const u = new URL(t.url);
  const auth = {
    ...(u.username && { username: decodeURIComponent(u.username) }),
    ...(u.password && { password: decodeURIComponent(u.password) }),
  };
  if (t.mode === 'sentinel') {
    const sentinels = (t.sentinels?.length ? t.sentinels : [`${u.hostname}:${u.port || 26379}`]).map(hostPort);
    const db = Number(u.pathname.slice(1) || 0);
    return new Redis({
      ...options,
      ...auth,
      db,
      sentinels,
      name: t.sentinelName ?? 'mymaster',
      // A master demoted by a failover answers READONLY: reconnect, and the Sentinels name the new one.
      reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
    });
  }
  const { connectionName, retryStrategy, ...perNode } = options;
  const cluster = new Cluster([{ host: u.hostname, port: Number(u.port || 6379) }], {
    redisOptions: { ...perNode, ...auth, connectionName },
    clusterRetryStrategy: retryStrategy,
    enableOfflineQueue: options.enableOfflineQueue ?? true,
    maxRedirections: 16,
    // Subscribers: SSUBSCRIBE goes to the shard that owns each channel's slot (one connection per shard).
    shardedSubscribers: role === 'subscriber',
    ...(options.maxRetriesPerRequest !== undefined && { maxRetriesPerRequest: options.maxRetriesPerRequest }),
    enableReadyCheck: options.enableReadyCheck ?? true,
  } as ConstructorParameters<typeof Cluster>[1]);
  return cluster as unknown as Redis;
}

/** True for the errors a Redis outage causes (down, unreachable, not answering), as opposed to a bad command. */
export function isRedisOutage(err: unknown): boolean {
  const m = (err as Error)?.message ?? '';
  return /Connection is closed|ECONNREFUSED|ECONNRESET|Stream isn't writeable|MaxRetriesPerRequest|max retries per request|ETIMEDOUT|ENOTCONN|Command timed out|EPIPE|LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOREPLICAS/i.test(
    m,
  );
}
