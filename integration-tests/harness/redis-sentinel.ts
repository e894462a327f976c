// A real Sentinel deployment for the failover test: a master, one replica and 3 Sentinels (quorum 2), all started
// from the redis-server binary on free ports. `killMaster()` SIGKILLs the current master; the Sentinels promote the
// replica. Stopped with every process and its data directory.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../shared/src/redis-launcher.ts';
import { eventually } from './http.ts';
import { RedisGroup } from './redis-group.ts';

export interface RunningSentinels {
  masterName: string;
  sentinels: string[];
  /** the data nodes' ports, the first master first */
  ports: number[];
  /** the port of the master the Sentinels name now */
  currentMaster(): Promise<number>;
  killMaster(): Promise<number>;
  stop(): Promise<void>;
}

export async function startSentinels(opts: { downAfterMs?: number } = {}): Promise<RunningSentinels> {
  const group = new RedisGroup('the Sentinel test');
  const masterName = 'fleetmaster';
  const [master, replica] = [await freePort(), await freePort()];
  const sentinelPorts = [await freePort(), await freePort(), await freePort()];
  group.start(master, ['--dbfilename', `d${master}.rdb`]);
  group.start(replica, ['--dbfilename', `d${replica}.rdb`, '--replicaof', '127.0.0.1', String(master)]);
  for (const port of sentinelPorts) {
    const conf = join(group.dir, `sentinel-${port}.conf`);
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `sentinel monitor ${masterName} 127.0.0.1 ${master} 2`,
        `sentinel down-after-milliseconds ${masterName} ${opts.downAfterMs ?? 1000}`,
        `sentinel failover-timeout ${masterName} 10000`,
        `sentinel parallel-syncs ${masterName} 1`,
      ].join('\n'),
    );
    group.startWith(port, [conf, '--sentinel']);
  }
  const currentMaster = async () => {
    const out = await group.cli(sentinelPorts[0]!, 'sentinel', 'get-master-addr-by-name', masterName);
    return Number(out.split('\n')[1]);
  };
  try {
    // Ready: the replica is in sync, and every Sentinel knows the replica and the other Sentinels.
    await eventually(
      async () => {
        const info = await group.cli(replica, 'info', 'replication').catch(() => '');
        const known = await Promise.all(
          sentinelPorts.map((p) => group.cli(p, 'sentinel', 'master', masterName).catch(() => '')),
        );
        const ok = known.every((k) => /num-slaves\n1\b/.test(k) && /num-other-sentinels\n2\b/.test(k));
        return info.includes('master_link_status:up') && ok;
      },
      30_000,
      'the Sentinel deployment to come up',
    );
  } catch (err) {
    await group.stop();
    throw err;
  }
  return {
    masterName,
    sentinels: sentinelPorts.map((p) => `127.0.0.1:${p}`),
    ports: [master, replica],
    currentMaster,
    async killMaster() {
      const port = await currentMaster();
      group.kill(port);
      return port;
    },
    stop: () => group.stop(),
  };
}
