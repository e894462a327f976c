// A real Redis Cluster for the cluster suite: N masters (no replicas) started from the redis-server binary on free
// ports, joined with `redis-cli --cluster create` (16384 slots split evenly), ready when every node says
// cluster_state:ok. Stopped with its processes and data directory.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import { findOnPath, freePort, RedisUnavailableError, type RunningRedis } from '../../shared/src/redis-launcher.ts';
import { sleep } from './http.ts';

const run = promisify(execFile);

export interface RunningCluster extends RunningRedis {
  ports: number[];
  pids: number[];
}

export async function startRedisCluster(masters = 3): Promise<RunningCluster> {
  const server = findOnPath('redis-server');
  const cli = findOnPath('redis-cli');
  if (!server || !cli) throw new RedisUnavailableError('the cluster suite needs redis-server and redis-cli on PATH');
  const dir = mkdtempSync(join(tmpdir(), 'mcpf-cluster-'));
  const ports: number[] = [];
  for (let i = 0; i < masters; i++) ports.push(await freePort());
  const procs = ports.map((port) =>
    spawn(
      server,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        '2000',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: 'ignore' },
    ),
  );
  const stop = async () => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    await Promise.all(procs.map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : undefined)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      for (let i = 0; ; i++) {
        try {
          await run(cli, ['-p', String(port), 'ping']);
          break;
        } catch (err) {
          if (i > 100) throw err;
          await sleep(50);
        }
      }
    }
    await run(cli, [
      '--cluster',
      'create',
      ...ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    for (let i = 0; ; i++) {
      const states = await Promise.all(ports.map((p) => run(cli, ['-p', String(p), 'cluster', 'info'])));
      if (states.every((s) => s.stdout.includes('cluster_state:ok'))) break;
      if (i > 200) throw new Error('the Redis Cluster did not reach cluster_state:ok');
      await sleep(50);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `redis://127.0.0.1:${ports[0]}`,
    port: ports[0]!,
    ports,
    pids: procs.map((p) => p.pid!),
    pid: procs[0]!.pid,
    kind: 'local',
    stop,
  };
}

/** A client of the cluster for the test itself. */
export function clusterClient(c: RunningCluster, name: string): Cluster {
  return new Cluster([{ host: '127.0.0.1', port: c.port }], { redisOptions: { connectionName: name } });
}
