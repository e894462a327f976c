// Starts what one bench run measures: a private Redis, an mcp-fleet front node + worker (and, on demand, a second
// front node), and the SDK baseline servers — each a separate process on a free 127.0.0.1 port.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, randomId, type RunningRedis } from '@mcp-fleet/shared';
import { McpClient, pool, type Target } from './load.ts';
import { type Proc, benchDir, launchRedis, sleep, spawnNode, waitHealthy } from './procs.ts';

export type BaselineKey = 'v1-stateful' | 'v1-stateless' | 'v2-stateless';

export const BASELINE_LABELS: Record<BaselineKey, string> = {
  'v1-stateful': 'SDK v1 stateful',
  'v1-stateless': 'SDK v1 stateless',
  'v2-stateless': 'SDK v2 stateless',
};

export interface FleetOptions {
  /** directory holding bin/mcp-fleet.mjs (default: this repository) */
  fleetRoot: string;
  /** node flags for front and worker processes (e.g. --cpu-prof, which NODE_OPTIONS does not allow) */
  fleetNodeFlags: string[];
}

export interface Servers {
  redis: RunningRedis;
  /** the bench's own Redis connection (INFO, CLIENT LIST); named bench:probe */
  probe: Redis;
  prefix: string;
  /** the checkout whose fleet runs (bin/mcp-fleet.mjs, shared/src/scripts) */
  fleetRoot: string;
  fleet: Target;
  frontNodeId: string;
  worker: Proc;
  baselines: Record<BaselineKey, Target>;
  /** the architecture's floor (bench/baselines/floor-front.ts): its front node, its worker */
  floor: { target: Target; worker: Proc };
  procs: Proc[];
  startFront(nodeId: string, nodeFlags?: string[]): Promise<{ target: Target; proc: Proc }>;
  startBaseline(key: BaselineKey, args?: string[], nodeFlags?: string[]): Promise<{ target: Target; proc: Proc }>;
  /** another floor front node (no worker of its own: the idle-streams figure only opens streams on it) */
  startFloorFront(nodeFlags?: string[]): Promise<{ target: Target; proc: Proc }>;
}

/** Builds the fleet as users deploy it — the production bundle run with plain node (`npm run build`), not through tsx — and returns the CLI's path. */
export function buildFleet(fleetRoot: string): string {
  const build = spawnSync(process.execPath, [join(fleetRoot, 'scripts', 'build.mjs')], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed in ${fleetRoot}: ${build.stderr}`);
  return join(fleetRoot, 'dist', 'mcp-fleet.mjs');
}

/** The environment of a bench fleet process (front or worker). */
export function benchFleetEnv(redisUrl: string, prefix: string, nodeId: string): Record<string, string> {
  return {
    REDIS_URL: redisUrl,
    HOST: '127.0.0.1',
    KEY_PREFIX: prefix,
    NODE_ID: nodeId,
    LOG_LEVEL: 'warn',
    // The idle-streams figures open 10k sessions as one principal (anon): not what the per-principal cap is for.
    MAX_SESSIONS_PER_PRINCIPAL: '1000000',
  };
}

export async function startServers(opts: FleetOptions): Promise<Servers> {
  const redis = await launchRedis();
  const probe = new Redis(redis.url, { connectionName: 'bench:probe', maxRetriesPerRequest: 1 });
  const prefix = `bench-${randomId(4)}`;
  const procs: Proc[] = [];
  const cli = buildFleet(opts.fleetRoot);
  const fleetEnv = (nodeId: string) => benchFleetEnv(redis.url, prefix, nodeId);

  const startFront = async (nodeId: string, nodeFlags: string[] = []) => {
    const port = await freePort();
    const proc = spawnNode(nodeId, [cli, 'front'], { ...fleetEnv(nodeId), PORT: String(port) }, [
      ...opts.fleetNodeFlags,
      ...nodeFlags,
    ]);
    procs.push(proc);
    const origin = `http://127.0.0.1:${port}`;
    await waitHealthy(proc, origin, 30_000);
    return { proc, target: { key: 'fleet', label: `mcp-fleet (${nodeId})`, origin, sessionful: true, pid: proc.pid } };
  };

  const startBaseline = async (key: BaselineKey, args: string[] = [], nodeFlags: string[] = []) => {
    const port = await freePort();
    const proc = spawnNode(key, [...nodeFlags, '--import', 'tsx', join(benchDir, 'baselines', `${key}.ts`), ...args], {
      PORT: String(port),
    });
    procs.push(proc);
    await proc.waitForLine((l) => l.includes('"msg":"ready"'), 30_000);
    const target: Target = {
      key,
      label: BASELINE_LABELS[key],
      origin: `http://127.0.0.1:${port}`,
      sessionful: key === 'v1-stateful',
      pid: proc.pid,
    };
    return { proc, target };
  };

  const frontNodeId = 'bench-front-a';
  // A worker runs up to 100 calls at once for the fan-out figure (the default concurrency is 64).
  const worker = spawnNode(
    'worker',
    [cli, 'worker'],
    { ...fleetEnv('bench-worker'), TOOL_PACKS: 'examples', WORKER_CONCURRENCY: '128' },
    opts.fleetNodeFlags,
  );
  procs.push(worker);
  const [front, s1, s2, s3, floor] = await Promise.all([
    startFront(frontNodeId),
    startBaseline('v1-stateful'),
    startBaseline('v1-stateless'),
    startBaseline('v2-stateless'),
    startFloor(redis.url, `${prefix}-floor`, procs),
  ]);
  await waitFleetServes(front.target, worker, 60_000);
  return {
    redis,
    probe,
    prefix,
    procs,
    worker,
    frontNodeId,
    startFront,
    startBaseline,
    startFloorFront: (nodeFlags: string[] = []) => startFloorFront(redis.url, `${prefix}-floor`, procs, nodeFlags),
    fleetRoot: opts.fleetRoot,
    fleet: front.target,
    baselines: { 'v1-stateful': s1.target, 'v1-stateless': s2.target, 'v2-stateless': s3.target },
    floor,
  };
}

export const FLOOR_LABEL = 'floor: fastify → BullMQ → worker → stream → SSE';

/** The floor's worker and front node (bench/baselines/floor-*.ts), on the bench's Redis under a prefix of their own. */
async function startFloor(redisUrl: string, prefix: string, procs: Proc[]): Promise<{ target: Target; worker: Proc }> {
  const worker = spawnNode('floor-worker', ['--import', 'tsx', join(benchDir, 'baselines', 'floor-worker.ts')], {
    REDIS_URL: redisUrl,
    FLOOR_PREFIX: prefix,
  });
  procs.push(worker);
  const [{ target }] = await Promise.all([
    startFloorFront(redisUrl, prefix, procs),
    worker.waitForLine((l) => l.includes('"msg":"ready"'), 30_000),
  ]);
  await waitFleetServes(target, worker, 30_000);
  return { target, worker };
}

async function startFloorFront(
  redisUrl: string,
  prefix: string,
  procs: Proc[],
  nodeFlags: string[] = [],
): Promise<{ target: Target; proc: Proc }> {
  const port = await freePort();
  const args = [...nodeFlags, '--import', 'tsx', join(benchDir, 'baselines', 'floor-front.ts')];
  const proc = spawnNode('floor-front', args, { REDIS_URL: redisUrl, FLOOR_PREFIX: prefix, PORT: String(port) });
  procs.push(proc);
  await proc.waitForLine((l) => l.includes('"msg":"ready"'), 30_000);
  const origin = `http://127.0.0.1:${port}`;
  return { proc, target: { key: 'floor', label: FLOOR_LABEL, origin, sessionful: false, pid: proc.pid } };
}

/** Until an echo call through the front node comes back from the worker (catalog published, queue consumed). */
export async function waitFleetServes(front: Target, worker: Proc, timeoutMs: number): Promise<void> {
  const p = pool(front.origin, 1);
  const client = new McpClient(front, p);
  const deadline = Date.now() + timeoutMs;
  let last = '';
  try {
    await client.initialize();
    while (Date.now() < deadline) {
      if (!worker.alive) throw new Error(`worker exited:\n${worker.tail()}`);
      try {
        const out = await client.call('echo', { text: 'ready?' });
        if (out.response?.result) return;
        last = JSON.stringify(out.response);
      } catch (err) {
        last = (err as Error).message;
      }
      await sleep(100);
    }
    throw new Error(`the fleet did not serve echo within ${timeoutMs} ms (${last})\nworker:\n${worker.tail()}`);
  } finally {
    await p.close();
  }
}
