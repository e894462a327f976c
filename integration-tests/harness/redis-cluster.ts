// A real Redis Cluster for the cluster suite: N masters (no replicas) started from the redis-server binary on free
// ports, joined with `redis-cli --cluster create` (16384 slots split evenly), ready when every node says
// cluster_state:ok. Stopped with its processes and data directory.
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { freePort, type RunningRedis } from '../../shared/src/redis-launcher.ts';
import { eventually } from './http.ts';
import { RedisGroup } from './redis-group.ts';

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
    await group.cliRaw(
      '--cluster',
      'create',
      ...ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    );
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

/** A client of the cluster for the test itself. */
export function clusterClient(c: RunningCluster, name: string): Cluster {
  return new Cluster([{ host: '127.0.0.1', port: c.port }], { redisOptions: { connectionName: name } });
}
