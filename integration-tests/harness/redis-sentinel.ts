// A real Sentinel deployment for the failover test: a master, one replica and 3 Sentinels (quorum 2), all started
// from the redis-server binary on free ports. `killMaster()` SIGKILLs the current master; the Sentinels promote the
// replica. Stopped with every process and its data directory.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findOnPath, freePort, RedisUnavailableError } from '../../shared/src/redis-launcher.ts';
import { sleep } from './http.ts';

const run = promisify(execFile);

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
  const server = findOnPath('redis-server');
  const cli = findOnPath('redis-cli');
  if (!server || !cli) throw new RedisUnavailableError('the Sentinel test needs redis-server and redis-cli on PATH');
  const dir = mkdtempSync(join(tmpdir(), 'mcpf-sentinel-'));
  const masterName = 'fleetmaster';
  const [master, replica] = [await freePort(), await freePort()];
  const sentinelPorts = [await freePort(), await freePort(), await freePort()];
  const procs = new Map<number, ChildProcess>();
  const data = (port: number, extra: string[] = []) =>
    procs.set(
      port,
      spawn(
        server,
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--dir',
          dir,
          '--dbfilename',
          `d${port}.rdb`,
          ...extra,
        ],
        {
          stdio: 'ignore',
        },
      ),
    );
  data(master);
  data(replica, ['--replicaof', '127.0.0.1', String(master)]);
  for (const port of sentinelPorts) {
    const conf = join(dir, `sentinel-${port}.conf`);
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
    procs.set(port, spawn(server, [conf, '--sentinel'], { stdio: 'ignore' }));
  }
  const ask = async (port: number, ...args: string[]) => (await run(cli, ['-p', String(port), ...args])).stdout.trim();
  const stop = async () => {
    for (const p of procs.values()) if (p.exitCode === null) p.kill('SIGKILL');
    await Promise.all(
      [...procs.values()].map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : undefined)),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  const currentMaster = async () => {
    const out = await ask(sentinelPorts[0]!, 'sentinel', 'get-master-addr-by-name', masterName);
    return Number(out.split('\n')[1]);
  };
  try {
    // Ready: the replica is in sync, and every Sentinel knows the replica and the other Sentinels.
    for (let i = 0; ; i++) {
      try {
        const info = await ask(replica, 'info', 'replication');
        const known = await Promise.all(
          sentinelPorts.map((p) => ask(p, 'sentinel', 'master', masterName).catch(() => '')),
        );
        const ok = known.every((k) => /num-slaves\n1\b/.test(k) && /num-other-sentinels\n2\b/.test(k));
        if (info.includes('master_link_status:up') && ok) break;
      } catch {
        // not up yet
      }
      if (i > 300) throw new Error('the Sentinel deployment did not come up');
      await sleep(100);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    masterName,
    sentinels: sentinelPorts.map((p) => `127.0.0.1:${p}`),
    ports: [master, replica],
    currentMaster,
    async killMaster() {
      const port = await currentMaster();
      procs.get(port)?.kill('SIGKILL');
      return port;
    },
    stop,
  };
}
