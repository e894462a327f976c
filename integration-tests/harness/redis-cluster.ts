// A real Redis Cluster for the cluster suite (and the capacity model, bench --scaling): N masters (no replicas)
// started from the redis-server binary on free ports, joined with `redis-cli --cluster create` (16384 slots split
// evenly), ready when every node says cluster_state:ok. Stopped with its processes and data directory.
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { freePort, type RunningRedis } from '../../shared/src/redis-launcher.ts';
import { eventually } from './http.ts';
import { RedisGroup } from './redis-group.ts';

const SLOTS = 16384;

export interface RunningCluster extends RunningRedis {
  ports: number[];
  pids: number[];
}

export async function startRedisCluster(masters = 3): Promise<RunningCluster> {
  const group = new RedisGroup('the cluster suite');
  const ports: number[] = [];
  for (let i = 0; i < masters; i++) ports.push(await freePort());
  for (const port of ports) {
    group.start(port, [
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(group.dir, `nodes-${port}.conf`),
      '--cluster-node-timeout',
      '2000',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'noeviction',
    ]);
  }
  try {
    for (const port of ports) {
      await eventually(() => group.cli(port, 'ping').catch(() => ''), 10_000, `redis-server on ${port}`);
    }
    if (masters >= 3) {
      await group.cliRaw(
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      );
    } else {
      await assignSlots(group, ports);
    }
    await eventually(
      async () =>
        (await Promise.all(ports.map((p) => group.cli(p, 'cluster', 'info')))).every((s) =>
          s.includes('cluster_state:ok'),
        ),
      15_000,
      'the Redis Cluster to reach cluster_state:ok',
    );
  } catch (err) {
    await group.stop();
    throw err;
  }
  return {
    url: `redis://127.0.0.1:${ports[0]}`,
    port: ports[0]!,
    ports,
    pids: group.pids(),
    pid: group.pids()[0],
    kind: 'local',
    stop: () => group.stop(),
  };
}

/**
 * `redis-cli --cluster create` refuses fewer than 3 masters (the capacity model measures 2): the same even split of
 * the slots in port order, by hand, and the nodes joined with CLUSTER MEET.
 */
async function assignSlots(group: RedisGroup, ports: number[]): Promise<void> {
  for (const [i, port] of ports.entries()) {
    const from = Math.floor((i * SLOTS) / ports.length);
    const to = Math.floor(((i + 1) * SLOTS) / ports.length) - 1;
    await group.cli(port, 'cluster', 'addslotsrange', String(from), String(to));
    if (i > 0) await group.cli(port, 'cluster', 'meet', '127.0.0.1', String(ports[0]));
  }
}

/** A client of the cluster for the test itself. */
export function clusterClient(c: RunningCluster, name: string): Cluster {
  return new Cluster([{ host: '127.0.0.1', port: c.port }], { redisOptions: { connectionName: name } });
}
