// DELETE ends a session everywhere: 200, then 404 on every node; a call still running is cancelled and its
// stream ends with no response; other sessions are untouched. A session left idle past its TTL is gone too (404).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FleetKeys, standaloneStreamId } from '@mcp-fleet/shared';
import {
  SseReader,
  frameMessage,
  getStream,
  mediaType,
  openSession,
  post,
  readJson,
  rpcRequest,
  sleep,
  startFleet,
  type Fleet,
  type LogEntry,
  type RawSession,
  type SseFrame,
} from './harness/index.ts';

const SESSION_TTL_SECONDS = 10; // the smallest the configuration allows

let fleet: Fleet;
/** opened first and never used again, so it expires while the other tests run */
let idle: { session: RawSession; createdAt: number };

before(async () => {
  fleet = await startFleet({ fronts: 2, workers: 1, env: { SESSION_TTL_SECONDS: String(SESSION_TTL_SECONDS) } });
  idle = { session: await openSession(fleet.front('a').url), createdAt: Date.now() };
});

after(async () => {
  await fleet?.stop();
});

function del(url: string, session: RawSession): Promise<Response> {
  return fetch(url, { method: 'DELETE', headers: session.headers });
}

async function expectSessionNotFound(res: Response, what: string): Promise<void> {
  const text = await res.text();
  assert.equal(res.status, 404, `${what}: ${text}`);
  assert.equal(mediaType(res), 'application/json', what);
  const body = JSON.parse(text) as { jsonrpc: string; error: { code: number; message: string } };
  assert.equal(body.jsonrpc, '2.0');
  assert.equal(body.error.code, -32001, `${what}: ${text}`);
}

describe('DELETE /mcp', () => {
  test('answers 200; afterwards every request with the session id gets 404 on every node', async () => {
    const a = fleet.front('a').url;
    const b = fleet.front('b').url;
    const session = await openSession(a);
    const other = await openSession(a);
    // The session works on both nodes before the DELETE.
    for (const url of [a, b]) {
      const ok = await post(url, rpcRequest('ping'), session.headers);
      assert.equal(ok.status, 200, await ok.text());
    }

    const res = await del(b, session);
    assert.equal(res.status, 200, await res.clone().text());
    await res.arrayBuffer();

    for (const url of [a, b]) {
      await expectSessionNotFound(await post(url, rpcRequest('ping'), session.headers), `ping on ${url}`);
      await expectSessionNotFound(await post(url, rpcRequest('tools/list'), session.headers), `tools/list on ${url}`);
      await expectSessionNotFound(
        await post(url, rpcRequest('tools/call', { name: 'echo', arguments: { text: 'x' } }), session.headers),
        `tools/call on ${url}`,
      );
      await expectSessionNotFound(await getStream(url, session), `GET on ${url}`);
      await expectSessionNotFound(await del(url, session), `second DELETE on ${url}`);
    }

    // Another session on the same nodes is untouched.
    const echo = await post(b, rpcRequest('tools/call', { name: 'echo', arguments: { text: 'other' } }, 'o1'), {
      ...other.headers,
      accept: 'application/json',
    });
    assert.deepEqual(await readJson(echo), {
      jsonrpc: '2.0',
      id: 'o1',
      result: { content: [{ type: 'text', text: 'other' }] },
    });
  });

  test('a session whose node recalls it for tool calls is refused on that node once deleted on another', async () => {
    const a = fleet.front('a').url;
    const b = fleet.front('b').url;
    const session = await openSession(a);
    const echo = (id: string) =>
      post(a, rpcRequest('tools/call', { name: 'echo', arguments: { text: id } }, id), {
        ...session.headers,
        accept: 'application/json',
      });
    // Two calls on A: the second one's session is recalled (SESSION_CACHE_SIZE), not read.
    for (const id of ['r1', 'r2']) {
      assert.deepEqual(await readJson(await echo(id)), {
        jsonrpc: '2.0',
        id,
        result: { content: [{ type: 'text', text: id }] },
      });
    }
    const d = await del(b, session);
    assert.equal(d.status, 200);
    await d.arrayBuffer();
    const refused = await echo('r3');
    const text = await refused.clone().text();
    await expectSessionNotFound(refused, 'tools/call on the node that recalled the session');
    assert.equal((JSON.parse(text) as { id: string }).id, 'r3', text);
  });

  test('tool calls alone keep a recalled session alive: its idle TTL slides as the call opens', async () => {
    const a = fleet.front('a').url;
    const session = await openSession(a);
    const ref = { principal: 'anon', sessionId: session.sessionId };
    const keys = new FleetKeys(fleet.keyPrefix);
    const redis = fleet.redisClient('ttl-probe');
    const echo = async (text: string) => {
      const r = await post(a, rpcRequest('tools/call', { name: 'echo', arguments: { text } }, text), {
        ...session.headers,
        accept: 'application/json',
      });
      assert.equal(r.status, 200, await r.clone().text());
      await r.arrayBuffer();
    };
    try {
      await echo('t1');
      // Past an eighth of the TTL (1.25 s of 10 s), the next call — on a recalled session — slides it.
      await sleep(2_000);
      const before = await redis.pttl(keys.session(ref));
      assert.ok(before < SESSION_TTL_SECONDS * 1000 - 1_500, `the TTL ran down: ${before} ms`);
      await echo('t2');
      const standalone = keys.streamMeta(ref, standaloneStreamId(session.sessionId));
      for (const key of [keys.session(ref), standalone]) {
        const ttl = await redis.pttl(key);
        assert.ok(ttl > SESSION_TTL_SECONDS * 1000 - 1_000, `${key} slid: ${ttl} ms left`);
      }
    } finally {
      redis.disconnect();
    }
  });

  test('a call in flight is cancelled: the worker aborts it and its stream ends without a response', async () => {
    const a = fleet.front('a').url;
    const b = fleet.front('b').url;
    const session = await openSession(a);
    const requestId = 'in-flight-1';
    const res = await post(
      a,
      rpcRequest(
        'tools/call',
        {
          name: 'count',
          arguments: { to: 100, intervalMs: 100 },
          _meta: { progressToken: 'd1' },
        },
        requestId,
      ),
      session.headers,
    );
    assert.equal(res.status, 200);
    const reader = new SseReader(res);
    const seen: SseFrame[] = [];
    let progress = 0;
    while (progress < 2) {
      const f = await reader.next(5_000);
      assert.ok(f, `the stream ended early: ${reader.describe()}`);
      seen.push(f);
      if (frameMessage(f)?.method === 'notifications/progress') progress++;
    }
    const lastSeenId = seen.at(-1)!.id;

    const worker = fleet.workers[0]!;
    const before = worker.proc.findLogs((e) => e.msg === 'tool call cancelled').length;
    const cancelled = worker.waitForLog(
      (e: LogEntry) =>
        e.msg === 'tool call cancelled' &&
        worker.proc.findLogs((x) => x.msg === 'tool call cancelled').indexOf(e) >= before,
      5_000,
      '"tool call cancelled" after DELETE',
    );
    const d = await del(b, session);
    assert.equal(d.status, 200);
    await d.arrayBuffer();

    const rest = await reader.readToEnd(5_000);
    const responses = [...seen, ...rest].map(frameMessage).filter((m) => m && m.id === requestId);
    assert.deepEqual(responses, [], `no response after DELETE:\n${reader.describe()}`);
    const log = await cancelled;
    assert.equal(log.tool, 'count');

    // The stream cannot be resumed: the session is gone.
    await expectSessionNotFound(await getStream(b, session, lastSeenId), 'resume after DELETE');
  });
});

describe('session expiry', () => {
  test(`a session idle for longer than SESSION_TTL_SECONDS (${SESSION_TTL_SECONDS}) → 404, -32001 on every node`, async () => {
    const wait = idle.createdAt + (SESSION_TTL_SECONDS + 1.5) * 1000 - Date.now();
    if (wait > 0) await sleep(wait);
    for (const url of [fleet.front('a').url, fleet.front('b').url]) {
      await expectSessionNotFound(
        await post(url, rpcRequest('ping'), idle.session.headers),
        `ping on ${url} after expiry`,
      );
    }
    await expectSessionNotFound(await getStream(fleet.front('b').url, idle.session), 'GET after expiry');
  });
});
