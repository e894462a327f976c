// A Redis Cluster of any number of masters for the capacity model. `redis-cli --cluster create` (the integration
// harness's way) refuses fewer than 3 masters, so the slots are assigned here: an even split in port order
// (CLUSTER ADDSLOTSRANGE), the nodes joined with CLUSTER MEET, ready when every node says cluster_state:ok.
import { join } from 'node:path';
import { freePort, type RunningRedis } from '@mcp-fleet/shared';
import { eventually } from '../integration-tests/harness/http.ts';
import { RedisGroup } from '../integration-tests/harness/redis-group.ts';

const SLOTS = 16384;

export interface RunningShards extends RunningRedis {
  /** ports of the masters, lowest slots first */
  ports: number[];
  pids: number[];
}

export async function startShards(masters: number): Promise<RunningShards> {
  const group = new RedisGroup('the capacity model');
  const ports: number[] = [];
  for (let i = 0; i < masters; i++) ports.push(await freePort());
  for (const port of ports) {
    group.start(port, [
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(group.dir, `nodes-${port}.conf`),
      '--cluster-node-timeout',
      '5000',
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
    for (const [i, port] of ports.entries()) {
      const from = Math.floor((i * SLOTS) / masters);
      const to = Math.floor(((i + 1) * SLOTS) / masters) - 1;
      await group.cli(port, 'cluster', 'addslotsrange', String(from), String(to));
      if (i > 0) await group.cli(port, 'cluster', 'meet', '127.0.0.1', String(ports[0]));
    }
    await eventually(
      async () =>
        (await Promise.all(ports.map((p) => group.cli(p, 'cluster', 'info')))).every((s) =>
          s.includes('cluster_state:ok'),
        ),
      20_000,
      `a ${masters}-master Redis Cluster to reach cluster_state:ok`,
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
