// Tenant isolation with real principals (tokens from oidc-provider; 2 front nodes + a worker as separate processes):
// another principal's session id, stream resume, task id, elicitation answer or MRTR requestState gets "not found"
// (or is refused), never the data; a principal's tasks follow it across its sessions; a tool's broadcast reaches
// only the caller's tenant.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startAuthFleet, type AuthFleet } from './harness/auth-fleet.ts';
import {
  SseReader,
  frameMessage,
  getStream,
  openSession,
  post,
  readJson,
  rpcRequest,
  sleep,
  type RawSession,
} from './harness/http.ts';
import { modernCall, type JsonObject } from './harness/modern.ts';

let af: AuthFleet;
const A = () => af.fleet.front('a').url;
const B = () => af.fleet.front('b').url;
const auth: Record<string, { authorization: string }> = {};

before(async () => {
  af = await startAuthFleet();
  for (const who of ['alice', 'bob', 'carol']) auth[who] = await af.bearer(who);
});
after(async () => {
  await af?.stop();
});

type RpcBody = { id?: unknown; result?: JsonObject; error?: { code: number; message: string } };

const json = { accept: 'application/json' };
async function rpc(url: string, s: RawSession, method: string, params: JsonObject, headers = s.headers) {
  const res = await post(url, rpcRequest(method, params), { ...headers, ...json });
  return { status: res.status, body: (await readJson(res)) as RpcBody };
}

describe("another principal's session and streams", () => {
  test("a session id used with another principal's token: 404 on POST, GET and DELETE; the owner keeps it", async () => {
    const alice = await openSession(A(), '2025-11-25', {}, auth.alice);
    const asBob = { ...alice.headers, ...auth.bob };
    const posted = await rpc(B(), alice, 'tools/call', { name: 'echo', arguments: { text: 'x' } }, asBob);
    assert.equal(posted.status, 404);
    assert.equal(posted.body.error?.code, -32001);
    assert.equal((await getStream(B(), { ...alice, headers: asBob })).status, 404);
    const del = await fetch(B(), { method: 'DELETE', headers: asBob });
    assert.equal(del.status, 404);
    const mine = await rpc(B(), alice, 'tools/call', { name: 'echo', arguments: { text: 'still mine' } });
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.body.result?.content, [{ type: 'text', text: 'still mine' }]);
  });

  test("a Last-Event-ID of alice's call stream resumed by bob: refused, no events", async () => {
    const alice = await openSession(A(), '2025-11-25', {}, auth.alice);
    const res = await post(
      A(),
      rpcRequest('tools/call', { name: 'count', arguments: { to: 3, intervalMs: 10 }, _meta: { progressToken: 'p' } }),
      alice.headers,
    );
    const frames = await new SseReader(res).readToEnd(10_000);
    const lastId = frames.find((f) => f.id)?.id;
    assert.ok(lastId, 'an event id');
    const bob = await openSession(B(), '2025-11-25', {}, auth.bob);
    const withAliceSession = await getStream(B(), { ...alice, headers: { ...alice.headers, ...auth.bob } }, lastId);
    assert.equal(withAliceSession.status, 404);
    const withOwnSession = await getStream(B(), bob, lastId);
    assert.equal(withOwnSession.status, 400);
    assert.ok(!(await withOwnSession.text()).includes('progress'), 'no event of alice in the answer');
  });
});

describe("another principal's tasks", () => {
  test('2025-11-25: bob gets "not found" for alice\'s task; alice reads it from another session on another node', async () => {
    const alice = await openSession(A(), '2025-11-25', { tasks: {} }, auth.alice);
    const created = await rpc(A(), alice, 'tools/call', {
      name: 'batch_report',
      arguments: { items: 2, itemMs: 50 },
      task: {},
    });
    const taskId = String((created.body.result?.task as JsonObject | undefined)?.taskId);
    assert.ok(taskId.length >= 20, JSON.stringify(created.body));
    const bob = await openSession(B(), '2025-11-25', { tasks: {} }, auth.bob);
    for (const method of ['tasks/get', 'tasks/result', 'tasks/cancel']) {
      const r = await rpc(B(), bob, method, { taskId });
      assert.equal(r.body.error?.code, -32602, `${method}: ${JSON.stringify(r.body)}`);
      assert.ok(!JSON.stringify(r.body).includes('item 1'), `${method} shows nothing of the task`);
    }
    const bobs = await rpc(B(), bob, 'tasks/list', {});
    assert.ok(!JSON.stringify(bobs.body).includes(taskId));
    const aliceElsewhere = await openSession(B(), '2025-11-25', { tasks: {} }, auth.alice);
    const got = await rpc(B(), aliceElsewhere, 'tasks/get', { taskId });
    assert.equal(got.body.result?.taskId, taskId, JSON.stringify(got.body));
    const listed = await rpc(B(), aliceElsewhere, 'tasks/list', {});
    assert.ok(JSON.stringify(listed.body).includes(taskId), 'listed for its principal in any session');
  });

  test('2026-07-28: bob gets "not found" for alice\'s task id', async () => {
    const TASKS = { extensions: { 'io.modelcontextprotocol/tasks': {} } };
    const created = await modernCall(A(), {
      method: 'tools/call',
      params: { name: 'batch_report', arguments: { items: 2, itemMs: 50 } },
      envelope: { capabilities: TASKS },
      headers: auth.alice,
    });
    assert.equal(created.result?.resultType, 'task', created.raw);
    const taskId = String(created.result!.taskId);
    const get = (who: string) =>
      modernCall(B(), {
        method: 'tasks/get',
        params: { taskId },
        envelope: { capabilities: TASKS },
        headers: { ...auth[who], 'mcp-name': taskId },
      });
    const theirs = await get('bob');
    assert.equal(theirs.error?.code, -32602, theirs.raw);
    const mine = await get('alice');
    assert.equal(mine.result?.taskId, taskId, mine.raw);
  });
});

describe('answers to server→client requests', () => {
  test("bob's answer to alice's elicitation changes nothing; alice's own answer completes her call", async () => {
    const alice = await openSession(A(), '2025-11-25', { elicitation: { form: {} } }, auth.alice);
    const res = await post(
      A(),
      rpcRequest('tools/call', { name: 'ask_user', arguments: { question: 'colour?' } }),
      alice.headers,
    );
    const reader = new SseReader(res);
    let ask: { id: string } | undefined;
    while (!ask) {
      const m = frameMessage((await reader.next(10_000))!);
      if (m?.method === 'elicitation/create') ask = m as { id: string };
    }
    const answer = (text: string) => ({
      jsonrpc: '2.0',
      id: ask!.id,
      result: { action: 'accept', content: { answer: text } },
    });
    const bob = await openSession(B(), '2025-11-25', { elicitation: { form: {} } }, auth.bob);
    assert.equal((await post(B(), answer('from bob'), { ...alice.headers, ...auth.bob })).status, 404);
    assert.equal((await post(B(), answer('from bob'), bob.headers)).status, 202);
    await sleep(300);
    assert.equal((await post(B(), answer('from alice'), alice.headers)).status, 202);
    const rest = await reader.readToEnd(10_000);
    const response = rest.map(frameMessage).find((m) => m && 'result' in m) as {
      result: { content: { text: string }[] };
    };
    assert.equal(response.result.content[0]!.text, 'the user answered: from alice');
  });

  test("2026-07-28: alice's requestState retried by bob is refused; alice's retry completes", async () => {
    const ELICIT = { elicitation: { form: {} } };
    const first = await modernCall(A(), {
      method: 'tools/call',
      params: { name: 'ask_user', arguments: { question: 'size?' } },
      envelope: { capabilities: ELICIT },
      headers: auth.alice,
    });
    assert.equal(first.result?.resultType, 'input_required', first.raw);
    const key = Object.keys(first.result!.inputRequests as JsonObject)[0]!;
    const retry = (who: string, text: string) =>
      modernCall(B(), {
        method: 'tools/call',
        params: {
          name: 'ask_user',
          arguments: { question: 'size?' },
          inputResponses: { [key]: { action: 'accept', content: { answer: text } } },
          requestState: first.result!.requestState,
        },
        envelope: { capabilities: ELICIT },
        headers: auth[who]!,
      });
    const stolen = await retry('bob', 'from bob');
    assert.equal(stolen.result, undefined, stolen.raw);
    assert.equal(stolen.error?.code, -32602, stolen.raw);
    const own = await retry('alice', 'from alice');
    assert.deepEqual(own.result?.content, [{ type: 'text', text: 'the user answered: from alice' }], own.raw);
  });
});

describe('broadcasts', () => {
  test("a tool's broadcast reaches the caller's tenant only (acme: alice and carol; not globex: bob)", async () => {
    const streams: Record<string, SseReader> = {};
    const ctl = new AbortController();
    const sessions: Record<string, RawSession> = {};
    for (const [who, url] of [
      ['alice', A()],
      ['carol', B()],
      ['bob', B()],
    ] as const) {
      sessions[who] = await openSession(url, '2025-11-25', {}, auth[who]);
      streams[who] = new SseReader(await getStream(url, sessions[who]!, undefined, ctl.signal));
    }
    try {
      await sleep(200);
      const r = await rpc(A(), sessions.alice!, 'tools/call', {
        name: 'announce',
        arguments: { message: 'acme only' },
      });
      // Every live session of acme (this file's earlier tests opened some too), and none of globex.
      const live = await af.fleet.redisClient().zrange(`${af.fleet.keyPrefix}:sessions`, 0, -1);
      const acme = live.filter((m) => m.startsWith('acme.')).length;
      assert.ok(acme >= 2 && live.some((m) => m.startsWith('globex.')), live.join());
      assert.match(JSON.stringify(r.body.result?.content), new RegExp(`announced to ${acme} session\\(s\\)`));
      const heard = async (who: string) => {
        const deadline = Date.now() + 1500;
        while (Date.now() < deadline) {
          let f: Awaited<ReturnType<SseReader['next']>>;
          try {
            f = await streams[who]!.next(Math.max(1, deadline - Date.now()));
          } catch {
            return false; // nothing more within the time
          }
          const m = f && frameMessage(f);
          if (m && JSON.stringify(m).includes('acme only')) return true;
        }
        return false;
      };
      assert.equal(await heard('carol'), true, 'carol (acme) hears it');
      assert.equal(await heard('alice'), true, 'alice (acme) hears it');
      assert.equal(await heard('bob'), false, 'bob (globex) does not');
    } finally {
      ctl.abort();
    }
  });
});
