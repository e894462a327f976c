// One fleet for the capacity model: a front node and a worker over S Redis shards — a standalone redis-server for
// S = 1, a Redis Cluster of S masters (REDIS_MODE=cluster, QUEUE_SHARDS=S) otherwise — with its callers already in
// session, the same number on each shard, so every shard carries an equal share of the calls (as thousands of
// sessions would).
import calculateSlot from 'cluster-key-slot';
import { Redis } from 'ioredis';
import type { Pool } from 'undici';
import { ANONYMOUS_PRINCIPAL, freePort, randomId } from '@mcp-fleet/shared';
import { startRedisCluster } from '../integration-tests/harness/redis-cluster.ts';
import { McpClient, pool, type Target } from './load.ts';
import { type Proc, launchRedis, spawnNode, trackRedis, waitHealthy } from './procs.ts';
import { benchFleetEnv, waitFleetServes } from './servers.ts';

const SLOTS = 16384;

export interface ScalingFleet {
  shards: number;
  front: Proc;
  worker: Proc;
  target: Target;
  /** the redis-server of each shard, shard 0 (the lowest slots) first */
  redisPids: number[];
  /** a connection to each shard's server (INFO), in the same order */
  probes: Redis[];
  callers: McpClient[];
  stop(): Promise<void>;
}

export async function startScalingFleet(cli: string, shards: number, callers: number): Promise<ScalingFleet> {
  if (callers % shards) throw new Error(`${callers} callers do not split evenly over ${shards} shards`);
  const cluster = shards > 1 ? trackRedis(await startRedisCluster(shards)) : undefined;
  const redis = cluster ?? (await launchRedis());
  const ports = cluster ? await mastersBySlot(redis.port) : [redis.port];
  const probes = ports.map((port) => new Redis(port, '127.0.0.1', { connectionName: 'bench:probe' }));
  const redisPids = await Promise.all(
    probes.map(async (p) => Number(/process_id:(\d+)/.exec(await p.info('server'))?.[1])),
  );
  const prefix = `scale-${randomId(4)}`;
  const env = (nodeId: string): Record<string, string> => ({
    ...benchFleetEnv(redis.url, prefix, nodeId),
    ...(shards > 1 ? { REDIS_MODE: 'cluster', QUEUE_SHARDS: String(shards) } : {}),
  });
  const port = await freePort();
  const worker = spawnNode(`worker-s${shards}`, [cli, 'worker'], {
    ...env(`worker-s${shards}`),
    TOOL_PACKS: 'examples',
  });
  const front = spawnNode(`front-s${shards}`, [cli, 'front'], { ...env(`front-s${shards}`), PORT: String(port) });
  const origin = `http://127.0.0.1:${port}`;
  await waitHealthy(front, origin, 30_000);
  const target: Target = {
    key: `fleet-s${shards}`,
    label: `mcp-fleet, ${shards} shard(s)`,
    origin,
    sessionful: true,
    pid: front.pid,
  };
  await waitFleetServes(target, worker, 60_000);
  const p = pool(origin, callers);
  return {
    shards,
    front,
    worker,
    target,
    redisPids,
    probes,
    callers: await balancedSessions(target, p, shards, callers),
    stop: async () => {
      await p.close();
      await Promise.all([front.stop(), worker.stop()]);
      for (const c of probes) c.disconnect();
      await redis.stop();
    },
  };
}

/** The masters' ports, ordered by the first slot each serves (the order of the fleet's queue shards). */
async function mastersBySlot(anyPort: number): Promise<number[]> {
  const c = new Redis(anyPort, '127.0.0.1');
  try {
    const slots = await c.cluster('SLOTS');
    return slots.sort((a, b) => a[0] - b[0]).map(([, , master]) => master![1]);
  } finally {
    c.disconnect();
  }
}

/** Opens sessions until each shard has `callers / shards` of them (the shard a session's calls go to is its slot's). */
async function balancedSessions(target: Target, p: Pool, shards: number, callers: number): Promise<McpClient[]> {
  const want = callers / shards;
  const byShard: McpClient[][] = Array.from({ length: shards }, () => []);
  const extra: McpClient[] = [];
  for (let opened = 0; byShard.some((s) => s.length < want); opened++) {
    if (opened > callers * 10) throw new Error(`could not balance ${callers} sessions over ${shards} shards`);
    const c = new McpClient(target, p);
    await c.initialize();
    const slot = calculateSlot(`${ANONYMOUS_PRINCIPAL}:${c.sessionId}`);
    const shard = byShard[Math.floor((slot * shards) / SLOTS)]!;
    (shard.length < want ? shard : extra).push(c);
  }
  await Promise.all(extra.map((c) => c.close()));
  return byShard.flat();
}
