// Starts a whole fleet for one test file: its own redis-server on a free port, N front nodes and M workers as
// separate OS processes, with a unique key prefix. `stop()` takes everything down, even after a failed test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { configKeys } from '../../shared/src/config.ts';
import { freePort, startRedis, type RunningRedis } from '../../shared/src/redis-launcher.ts';
import { clusterClient, startRedisCluster } from './redis-cluster.ts';
import { startSentinels, type RunningSentinels } from './redis-sentinel.ts';
import { queueNames } from '../../shared/src/queues.ts';
import { sleep } from './http.ts';
import { FleetProcess, installExitHook, livePids, type LogEntry } from './process.ts';

export interface FleetOptions {
  fronts?: number;
  workers?: number;
  /** environment for every process of the fleet (overrides the defaults below) */
  env?: Record<string, string>;
  /** extra environment per front node, by index (e.g. one node with RESPONSE_MODE=json) */
  frontEnv?: Record<string, string>[];
  /** extra environment per worker, by index */
  workerEnv?: Record<string, string>[];
  /** stem of the log file names; defaults to the test file's name */
  name?: string;
  /** Redis persists with AOF (everysec), so a restart keeps the data (Fleet.restartRedis) */
  redisAppendOnly?: boolean;
  readyTimeoutMs?: number;
  /** Redis behind Sentinel: a master, a replica and 3 Sentinels (fleet.sentinels); appends wait for the replica */
  redisSentinel?: boolean;
}

export interface FrontNode {
  nodeId: string;
  /** single letter alias: front-a → 'a' */
  alias: string;
  port: number;
  /** the MCP endpoint, http://127.0.0.1:PORT/mcp */
  url: string;
  proc: FleetProcess;
  pid: number;
  kill(signal?: NodeJS.Signals): Promise<void>;
  waitForLog(pred: (e: LogEntry) => boolean, timeoutMs?: number, what?: string): Promise<LogEntry>;
}

export interface WorkerNode {
  nodeId: string;
  proc: FleetProcess;
  pid: number;
  kill(signal?: NodeJS.Signals): Promise<void>;
  waitForLog(pred: (e: LogEntry) => boolean, timeoutMs?: number, what?: string): Promise<LogEntry>;
}

export interface Fleet {
  redis: RunningRedis;
  /** with `redisSentinel`: the Sentinel deployment (kill its master, ask which one is master now) */
  sentinels?: RunningSentinels;
  fronts: FrontNode[];
  workers: WorkerNode[];
  keyPrefix: string;
  /** a front by alias ('a'), node id ('front-a') or index */
  front(which: string | number): FrontNode;
  /** where the fleet's Redis is, as a process of the fleet is told (REDIS_URL, and cluster mode when it is one) */
  redisEnv: Record<string, string>;
  /** the BullMQ queue names a base queue (default the fleet's `tools`) is spread over */
  queues(base?: string): string[];
  /** a Redis client for the test itself (named `test:<name>`), closed by stop() */
  redisClient(name?: string): Redis;
  /**
   * Stops Redis (`signal`: SIGKILL to crash it, SIGTERM to shut it down cleanly), waits `downMs`, and starts it
   * again on the same port: with its data when the fleet runs with AOF and `keepData` is not false, empty otherwise.
   */
  restartRedis(opts: { signal?: NodeJS.Signals; downMs?: number; keepData?: boolean }): Promise<void>;
  /** SIGSTOPs Redis for `ms` (a blackholed server: connections stay open, nothing answers), then SIGCONTs it. */
  freezeRedis(ms: number): Promise<void>;
  /** Starts one more front node (the next letter), with the fleet's environment and `env`; stopped by stop(). */
  addFront(env?: Record<string, string>): Promise<FrontNode>;
  stop(): Promise<void>;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function testFileStem(): string {
  const main = process.argv[1] ?? 'fleet';
  return basename(main)
    .replace(/\.test\.[cm]?[jt]s$/, '')
    .replace(/\.[cm]?[jt]s$/, '');
}

/** The parent environment without anything that would configure the fleet behind the test's back. */
export function baseEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  // Config keys (a test sets its own), the test runner's own context, and OpenTelemetry exporter settings
  // (a test fleet must not ship telemetry anywhere but 127.0.0.1).
  const strip = new Set<string>([...configKeys, 'NODE_TEST_CONTEXT', 'NODE_OPTIONS']);
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !strip.has(k) && !k.startsWith('OTEL_')) out[k] = v;
  }
  return out;
}

export async function startFleet(opts: FleetOptions = {}): Promise<Fleet> {
  const nFronts = opts.fronts ?? 1;
  const nWorkers = opts.workers ?? 1;
  const name = opts.name ?? testFileStem();
  const readyTimeoutMs = opts.readyTimeoutMs ?? 20_000;
  const keyPrefix = `t${randomBytes(4).toString('hex')}`;

  // Throws RedisUnavailableError (with how to get Redis) when there is no redis-server: the test fails with it.
  const aofDir = opts.redisAppendOnly ? mkdtempSync(join(tmpdir(), 'mcpf-aof-')) : undefined;
  // FLEET_REDIS=cluster (the cluster suite, integration-tests/cluster-*.test.ts): a 3-master Redis Cluster instead,
  // with the fleet in cluster mode and its work spread over 3 queues.
  const cluster = process.env.FLEET_REDIS === 'cluster' ? await startRedisCluster(3) : undefined;
  const sentinels = opts.redisSentinel ? await startSentinels() : undefined;
  let redis: RunningRedis = sentinels
    ? { url: `redis://127.0.0.1:${sentinels.ports[0]}`, port: sentinels.ports[0]!, kind: 'local', stop: sentinels.stop }
    : (cluster ?? (await startRedis({ localOnly: true, appendOnlyDir: aofDir })));
  installExitHook();
  for (const pid of cluster?.pids ?? [redis.pid]) if (pid) livePids.add(pid);
  const clusterEnv: Record<string, string> = cluster
    ? { REDIS_MODE: 'cluster', QUEUE_SHARDS: '3' }
    : sentinels
      ? {
          REDIS_MODE: 'sentinel',
          REDIS_SENTINELS: sentinels.sentinels.join(','),
          REDIS_SENTINEL_NAME: sentinels.masterName,
          REDIS_WAIT_REPLICAS: '1',
        }
      : {};
  const fronts: FrontNode[] = [];
  const workers: WorkerNode[] = [];
  const clients: Redis[] = [];

  const common = (nodeId: string): Record<string, string> => ({
    ...baseEnv(),
    REDIS_URL: redis.url,
    ...clusterEnv,
    HOST: '127.0.0.1',
    KEY_PREFIX: keyPrefix,
    NODE_ID: nodeId,
    LOG_LEVEL: 'info',
  });

  /** Spawns the next front node and resolves once it says it is ready where it was told to listen. */
  let frontsSpawned = 0;
  async function spawnFront(extraEnv: Record<string, string> = {}): Promise<FrontNode> {
    const alias = LETTERS[frontsSpawned++]!;
    const nodeId = `front-${alias}`;
    const port = await freePort();
    const proc = new FleetProcess({
      role: 'front',
      nodeId,
      logName: name,
      env: { ...common(nodeId), PORT: String(port), ...opts.env, ...extraEnv },
    });
    const node: FrontNode = {
      nodeId,
      alias,
      port,
      url: `http://127.0.0.1:${port}/mcp`,
      proc,
      pid: proc.pid,
      kill: (signal) => proc.kill(signal),
      waitForLog: (pred, timeoutMs, what) => proc.waitForLog(pred, timeoutMs, what),
    };
    fronts.push(node);
    fronts.sort((x, y) => x.alias.localeCompare(y.alias));
    const e = await proc.waitForLog((l) => l.msg === 'front ready', readyTimeoutMs, '"front ready"');
    if (typeof e.url === 'string' && e.url) node.url = e.url;
    const u = new URL(node.url);
    if (u.hostname !== '127.0.0.1' || Number(u.port) !== port) {
      throw new Error(`${nodeId} says it is ready at ${node.url}, but it was started with HOST=127.0.0.1 PORT=${port}`);
    }
    return node;
  }

  const fleet: Fleet = {
    addFront: (env) => spawnFront(env),
    get redis() {
      return redis;
    },
    sentinels,
    fronts,
    workers,
    keyPrefix,
    front(which) {
      const f = typeof which === 'number' ? fronts[which] : fronts.find((n) => n.alias === which || n.nodeId === which);
      if (!f)
        throw new Error(`no front node ${String(which)} in this fleet (${fronts.map((n) => n.nodeId).join(', ')})`);
      return f;
    },
    get redisEnv() {
      return { REDIS_URL: redis.url, ...clusterEnv };
    },
    queues(base = 'tools') {
      return queueNames({ base, shards: cluster ? 3 : 1, cluster: cluster !== undefined });
    },
    redisClient(clientName = 'test') {
      if (cluster) {
        const cc = clusterClient(cluster, `test:${clientName}`);
        cc.on('error', () => {});
        clients.push(cc as unknown as Redis);
        return cc as unknown as Redis;
      }
      const c = new Redis(redis.url, {
        connectionName: `test:${clientName}`,
        maxRetriesPerRequest: 1,
        lazyConnect: false,
      });
      c.on('error', () => {});
      clients.push(c);
      return c;
    },
    async restartRedis({ signal = 'SIGKILL', downMs = 0, keepData = true }) {
      if (cluster) throw new Error('restartRedis is not supported on the cluster suite');
      const old = redis;
      await new Promise<void>((resolve) => {
        if (!old.pid) return resolve();
        try {
          process.kill(old.pid, signal);
        } catch {
          return resolve();
        }
        const poll = setInterval(() => {
          try {
            process.kill(old.pid!, 0);
          } catch {
            clearInterval(poll);
            resolve();
          }
        }, 20);
      });
      if (old.pid) livePids.delete(old.pid);
      await sleep(downMs);
      redis = await startRedis({ localOnly: true, port: old.port, appendOnlyDir: keepData ? aofDir : undefined });
      if (redis.pid) livePids.add(redis.pid);
    },
    async freezeRedis(ms) {
      process.kill(redis.pid!, 'SIGSTOP');
      await sleep(ms);
      process.kill(redis.pid!, 'SIGCONT');
    },
    async stop() {
      await Promise.all([...fronts.map((f) => f.proc.stop()), ...workers.map((w) => w.proc.stop())]);
      await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
      await redis.stop();
      for (const pid of cluster?.pids ?? [redis.pid]) if (pid) livePids.delete(pid);
      if (aofDir) rmSync(aofDir, { recursive: true, force: true });
    },
  };

  try {
    const starting: Promise<unknown>[] = [];
    for (let i = 0; i < nFronts; i++) starting.push(spawnFront(opts.frontEnv?.[i]));
    for (let i = 0; i < nWorkers; i++) {
      const nodeId = `worker-${i + 1}`;
      const proc = new FleetProcess({
        role: 'worker',
        nodeId,
        logName: name,
        env: { ...common(nodeId), TOOL_PACKS: 'examples,shared-demo', ...opts.env, ...opts.workerEnv?.[i] },
      });
      workers.push({
        nodeId,
        proc,
        pid: proc.pid,
        kill: (signal) => proc.kill(signal),
        waitForLog: (pred, timeoutMs, what) => proc.waitForLog(pred, timeoutMs, what),
      });
      starting.push(proc.waitForLog((e) => e.msg === 'worker ready', readyTimeoutMs, '"worker ready"'));
    }
    const results = await Promise.allSettled(starting);
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failures.length) {
      throw new Error(
        `fleet did not start:\n${failures.map((f) => String((f.reason as Error)?.message ?? f.reason)).join('\n\n')}`,
      );
    }
  } catch (err) {
    await fleet.stop().catch(() => {});
    throw err;
  }
  return fleet;
}
