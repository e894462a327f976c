// docker-compose.yml's topology as OS processes, without a Docker engine: Redis with the compose file's own
// command line (AOF everysec, noeviction), 2 front nodes and 2 workers with the compose file's environments running
// the production bundle (`node dist/mcp-fleet.mjs`, freshly built), and haproxy with the very file compose mounts
// (deploy/haproxy/haproxy.cfg), under the path prefix /api with PUBLIC_URL set. Only addresses change: everything
// listens on 127.0.0.1.
// Then what a user of `docker compose up` would do: a v1 SDK client calls `count` with progress through the
// balancer, the node serving it is SIGKILLed, and the client resumes through the balancer on the other node with
// every progress event once; calls under the prefix (Streamable HTTP and HTTP+SSE, whose endpoint event names
// /api/messages); and the balancer's X-Forwarded-Host is the name checked, whatever a client sends.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { freePort } from '@mcp-fleet/shared';
import { connectClient } from './harness/client.ts';
import { loadCompose, serviceEnv } from './harness/compose.ts';
import { baseEnv } from './harness/fleet.ts';
import { ensureHaproxy } from './harness/haproxy.ts';
import { eventually, sleep } from './harness/http.ts';
import { FleetProcess, livePids, repoRoot } from './harness/process.ts';

const PREFIX = '/api';
const bundle = join(repoRoot, 'dist', 'mcp-fleet.mjs');

interface Node {
  name: string;
  port: number;
  proc: FleetProcess;
}

let lbPort: number;
let lbUrl: string;
let redis: ChildProcess;
let redisClient: Redis;
let aofDir: string;
let lb: ChildProcess;
const fronts: Node[] = [];
const workers: FleetProcess[] = [];

/** GET on a front node directly (not through the balancer). */
async function readyz(node: Node): Promise<{ status: number; openStreams?: number }> {
  const res = await fetch(`http://127.0.0.1:${node.port}/readyz`);
  return { status: res.status, ...((await res.json()) as { openStreams?: number }) };
}

/** A raw request through the balancer with a Host header of our choosing (fetch cannot set Host). */
function viaBalancer(path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'host-check', version: '0' } },
    });
    const req = request(
      {
        host: '127.0.0.1',
        port: lbPort,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

before(async () => {
  const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(build.status, 0, `npm run build: ${build.stdout}${build.stderr}`);
  const haproxy = ensureHaproxy();
  lbPort = await freePort();
  lbUrl = `http://127.0.0.1:${lbPort}`;
  // The shell environment of `MCP_PATH_PREFIX=/api PUBLIC_URL=… docker compose up`.
  const compose = loadCompose({ MCP_PATH_PREFIX: PREFIX, PUBLIC_URL: `${lbUrl}${PREFIX}` });
  const services = compose.services;

  // Redis exactly as compose starts it, plus where to listen and keep the AOF.
  const [bin, ...redisArgs] = services.redis!.command!;
  assert.equal(bin, 'redis-server');
  const redisPort = await freePort();
  aofDir = mkdtempSync(join(tmpdir(), 'mcpf-compose-aof-'));
  redis = spawn(bin, [...redisArgs, '--port', String(redisPort), '--bind', '127.0.0.1', '--dir', aofDir], {
    stdio: 'ignore',
  });
  livePids.add(redis.pid!);
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  redisClient = new Redis(redisUrl, { retryStrategy: () => 100 });
  redisClient.on('error', () => {});
  await eventually(() => redisClient.ping().then((p) => p === 'PONG' || undefined), 10_000, 'redis-server answers');

  const role = (n: string) => services[n]!.command?.[0];
  const envOf = (n: string, extra: Record<string, string>) => ({
    ...baseEnv(),
    ...serviceEnv(services[n]!),
    REDIS_URL: redisUrl,
    HOST: '127.0.0.1',
    ...extra,
  });
  const frontNames = Object.keys(services).filter((n) => role(n) === 'front');
  const workerNames = Object.keys(services).filter((n) => role(n) === 'worker');
  const starting: Promise<unknown>[] = [];
  for (const name of frontNames) {
    const port = await freePort();
    const proc = new FleetProcess({
      role: 'front',
      nodeId: name,
      logName: 'compose-topology',
      script: bundle,
      env: envOf(name, { PORT: String(port) }),
    });
    fronts.push({ name, port, proc });
    starting.push(proc.waitForLog((e) => e.msg === 'front ready', 20_000, '"front ready"'));
  }
  for (const name of workerNames) {
    // METRICS_PORT would collide between two workers on one machine; compose leaves metrics off anyway.
    const proc = new FleetProcess({
      role: 'worker',
      nodeId: name,
      logName: 'compose-topology',
      script: bundle,
      env: envOf(name, {}),
    });
    workers.push(proc);
    starting.push(proc.waitForLog((e) => e.msg === 'worker ready', 20_000, '"worker ready"'));
  }
  await Promise.all(starting);

  // The balancer compose runs, with the file compose mounts; only the addresses are this machine's.
  lb = spawn(haproxy, ['-f', join(repoRoot, 'deploy/haproxy/haproxy.cfg'), '-db'], {
    env: {
      ...process.env,
      ...serviceEnv(services.lb!),
      LB_BIND: `127.0.0.1:${lbPort}`,
      FRONT1: `127.0.0.1:${fronts[0]!.port}`,
      FRONT2: `127.0.0.1:${fronts[1]!.port}`,
    },
    stdio: 'ignore',
  });
  livePids.add(lb.pid!);
  // Both backends up (haproxy's own /readyz checks), seen through the balancer.
  await eventually(
    async () => {
      const statuses = await Promise.all(
        [1, 2, 3, 4].map(() =>
          fetch(`${lbUrl}/readyz`).then(
            (r) => r.status,
            () => 0, // not listening yet
          ),
        ),
      );
      return statuses.every((s) => s === 200) || undefined;
    },
    15_000,
    'the balancer serves /readyz from both fronts',
  );
  await sleep(1500); // one more health-check round: both servers marked up
});

after(async () => {
  lb?.kill('SIGKILL');
  if (lb?.pid) livePids.delete(lb.pid);
  await Promise.all([...fronts.map((f) => f.proc.stop()), ...workers.map((w) => w.stop())]);
  redisClient?.disconnect();
  redis?.kill('SIGKILL');
  if (redis?.pid) livePids.delete(redis.pid);
  if (aofDir) rmSync(aofDir, { recursive: true, force: true });
});

describe('the compose topology, as processes', () => {
  test('Redis runs as compose configures it: AOF everysec, noeviction', async () => {
    const get = async (k: string) => ((await redisClient.config('GET', k)) as string[])[1];
    assert.deepEqual(
      [await get('appendonly'), await get('appendfsync'), await get('maxmemory-policy')],
      ['yes', 'everysec', 'noeviction'],
    );
  });

  test('SIGKILL the front node serving a call: the client resumes through the balancer, every progress once', async () => {
    const c = await connectClient(`${lbUrl}/mcp`);
    try {
      // Before the call: where the session's standalone GET stream is (it does not move while the call runs).
      await sleep(300);
      const before = await Promise.all(fronts.map(readyz));
      const progress: number[] = [];
      const to = 12;
      const call = c.client.callTool({ name: 'count', arguments: { to, intervalMs: 250 } }, undefined, {
        onprogress: (p) => {
          progress.push(p.progress);
        },
        resetTimeoutOnProgress: true,
        timeout: 30_000,
      });
      await eventually(() => progress.length >= 3 || undefined, 10_000, 'three progress events');
      // The node whose open streams grew holds the call's stream.
      const during = await Promise.all(fronts.map(readyz));
      const grew = fronts.filter((_, i) => (during[i]!.openStreams ?? 0) > (before[i]!.openStreams ?? 0));
      assert.equal(grew.length, 1, `one node serves the call: ${JSON.stringify({ before, during })}`);
      const victim = grew[0]!;
      await victim.proc.kill('SIGKILL');
      const result = await call;
      console.log(
        `[compose-topology] killed ${victim.name} after progress ${progress[2]}; ` +
          `got ${progress.length} progress events, client errors: ${c.errors.map((e) => e.message).join(' | ')}`,
      );
      assert.deepEqual(result.content, [{ type: 'text', text: `counted to ${to}` }]);
      assert.deepEqual(
        progress,
        Array.from({ length: to }, (_, i) => i + 1),
        'every progress event, once, in order',
      );
      assert.equal(victim.proc.alive, false);
      assert.ok(c.errors.length > 0, 'the client saw its stream cut, and resumed');
    } finally {
      await c.close();
    }
  });

  test(`under the prefix ${PREFIX} with PUBLIC_URL: Streamable HTTP through ${PREFIX}/mcp`, async () => {
    const c = await connectClient(`${lbUrl}${PREFIX}/mcp`);
    try {
      const r = await c.client.callTool({ name: 'echo', arguments: { text: 'under a prefix' } });
      assert.deepEqual(r.content, [{ type: 'text', text: 'under a prefix' }]);
    } finally {
      await c.close();
    }
  });

  test(`under the prefix: HTTP+SSE's endpoint event names ${PREFIX}/messages, and the call works through it`, async () => {
    const posts: string[] = [];
    const transport = new SSEClientTransport(new URL(`${lbUrl}${PREFIX}/sse`), {
      fetch: (url, init) => {
        if ((init?.method ?? 'GET') === 'POST') posts.push(String(url));
        return fetch(url, init);
      },
    });
    const client = new Client({ name: 'compose-topology', version: '0.0.0' });
    await client.connect(transport);
    try {
      const r = await client.callTool({ name: 'echo', arguments: { text: 'legacy under a prefix' } });
      assert.deepEqual(r.content, [{ type: 'text', text: 'legacy under a prefix' }]);
      assert.ok(posts.length > 0);
      for (const u of posts) assert.match(u, new RegExp(`^${lbUrl}${PREFIX}/messages\\?sessionId=`), u);
    } finally {
      await client.close();
    }
  });

  test('Host is checked as the balancer forwards it: a client cannot choose X-Forwarded-Host', async () => {
    assert.equal(await viaBalancer('/mcp', { host: `localhost:${lbPort}` }), 200);
    assert.equal(await viaBalancer('/mcp', { host: 'evil.example' }), 403);
    assert.equal(await viaBalancer('/mcp', { host: 'evil.example', 'x-forwarded-host': 'localhost' }), 403);
  });
});
