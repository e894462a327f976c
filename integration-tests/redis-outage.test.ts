// Redis goes away: front nodes answer 503 with Retry-After at once (never a hang) and /readyz says so; when Redis
// returns, the fleet recovers by itself — new sessions and tool calls work on both nodes, with no restart.
// Redis runs without persistence here, so sessions from before the outage are gone (404: clients re-initialize).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, type RunningRedis } from '../shared/src/redis-launcher.ts';
import { startFleet, type Fleet } from './harness/fleet.ts';
import { SseReader, eventually, frameMessage, openSession, post, rpcRequest, sleep } from './harness/http.ts';

let fleet: Fleet;
let restarted: RunningRedis | undefined;

before(async () => {
  fleet = await startFleet({ fronts: 2, workers: 1, env: { CATALOG_HEARTBEAT_MS: '1000' } });
});
after(async () => {
  await restarted?.stop();
  await fleet?.stop();
});

/** A new session and an echo call through `url`; undefined while the fleet is still recovering. */
async function echoThrough(url: string, text: string): Promise<string | undefined> {
  const s = await openSession(url).catch(() => undefined);
  if (!s) return undefined;
  const res = await post(url, rpcRequest('tools/call', { name: 'echo', arguments: { text } }), s.headers);
  if (res.status !== 200) return undefined;
  const frames = await new SseReader(res).readToEnd(10_000);
  const last = frames.map(frameMessage).filter(Boolean).at(-1) as
    | { result?: { content: { text: string }[] } }
    | undefined;
  return last?.result?.content[0]?.text;
}

test('Redis down: 503 at once and /readyz 503; Redis back: both nodes serve new sessions and calls', async () => {
  const a = fleet.front('a');
  const b = fleet.front('b');
  const before = await openSession(a.url);
  assert.equal(await echoThrough(b.url, 'before'), 'before');

  process.kill(fleet.redis.pid!, 'SIGKILL');
  await sleep(200);

  for (const [name, send] of [
    ['a request of a session', () => post(a.url, rpcRequest('ping'), before.headers)],
    [
      'an initialize',
      () =>
        post(
          b.url,
          rpcRequest('initialize', {
            protocolVersion: '2025-11-25',
            capabilities: {},
            clientInfo: { name: 't', version: '0' },
          }),
        ),
    ],
  ] as const) {
    const started = Date.now();
    const res = await send();
    const ms = Date.now() - started;
    const body = (await res.json()) as { error: { code: number; message: string } };
    assert.equal(res.status, 503, `${name}: ${JSON.stringify(body)}`);
    assert.equal(res.headers.get('retry-after'), '1');
    assert.equal(body.error.code, -32603);
    assert.match(body.error.message, /cannot be reached/);
    assert.ok(ms < 5000, `${name} answered in ${ms} ms, not a hang`);
  }
  for (const node of [a, b]) {
    const ready = await fetch(new URL('/readyz', node.url));
    assert.equal(ready.status, 503, `${node.nodeId} /readyz while Redis is down`);
  }

  restarted = await startRedis({ localOnly: true, port: fleet.redis.port });
  for (const node of [a, b]) {
    await eventually(
      async () => (await fetch(new URL('/readyz', node.url))).status === 200,
      15_000,
      `${node.nodeId} ready again`,
    );
  }
  // The worker re-publishes its catalog with its next heartbeat; the fronts reload it.
  for (const node of [a, b]) {
    await eventually(
      async () => (await echoThrough(node.url, `after via ${node.nodeId}`)) === `after via ${node.nodeId}`,
      20_000,
      `a call through ${node.nodeId}`,
    );
  }
  const old = await post(a.url, rpcRequest('ping'), before.headers);
  assert.equal(old.status, 404, 'a session from before the outage is gone with the unpersisted data');
});
