// JSON-RPC batches on the wire: accepted from sessions that negotiated 2025-03-26 (the only version with batches),
// answered as one JSON array with a response per request; refused with 400 / -32600 for later versions.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mediaType, openSession, post, readJson, startFleet, type Fleet } from './harness/index.ts';

let fleet: Fleet;

before(async () => {
  fleet = await startFleet({ fronts: 2, workers: 1 });
});

after(async () => {
  await fleet?.stop();
});

interface Answer {
  jsonrpc: string;
  id: string | number | null;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

function byId(answers: Answer[]): Record<string, Answer> {
  return Object.fromEntries(answers.map((a) => [String(a.id), a]));
}

describe('a 2025-03-26 session (created on A, batches POSTed to B)', () => {
  test('[ping, tools/call echo, a notification] → 200, one JSON array with the two responses', async () => {
    const s = await openSession(fleet.front('a').url, '2025-03-26');
    assert.equal(s.protocolVersion, '2025-03-26');
    const res = await post(
      fleet.front('b').url,
      [
        { jsonrpc: '2.0', id: 'ping-1', method: 'ping' },
        {
          jsonrpc: '2.0',
          id: 'echo-1',
          method: 'tools/call',
          params: { name: 'echo', arguments: { text: 'in a batch' } },
        },
        { jsonrpc: '2.0', method: 'notifications/roots/list_changed' },
      ],
      s.headers,
    );
    assert.equal(res.status, 200);
    assert.equal(mediaType(res), 'application/json');
    const body = (await readJson(res)) as Answer[];
    assert.ok(Array.isArray(body), `an array: ${JSON.stringify(body)}`);
    assert.equal(body.length, 2, `one response per request, none for the notification: ${JSON.stringify(body)}`);
    const answers = byId(body);
    assert.deepEqual(answers['ping-1'], { jsonrpc: '2.0', id: 'ping-1', result: {} });
    assert.equal(answers['echo-1']?.jsonrpc, '2.0');
    assert.deepEqual(
      answers['echo-1']?.result?.content,
      [{ type: 'text', text: 'in a batch' }],
      JSON.stringify(answers['echo-1']),
    );
  });

  test('several tool calls and a request that fails: each gets its own response, matched by id', async () => {
    const s = await openSession(fleet.front('b').url, '2025-03-26');
    const res = await post(
      fleet.front('a').url,
      [
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'count', arguments: { to: 3, intervalMs: 30 } },
        },
        { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'add', arguments: { a: 2, b: 40 } } },
        { jsonrpc: '2.0', id: 3, method: 'no/such/method' },
        { jsonrpc: '2.0', id: 4, method: 'tools/list' },
      ],
      s.headers,
    );
    assert.equal(res.status, 200);
    const body = (await readJson(res)) as Answer[];
    assert.ok(Array.isArray(body) && body.length === 4, JSON.stringify(body));
    const answers = byId(body);
    assert.deepEqual(answers['1']?.result?.content, [{ type: 'text', text: 'counted to 3' }]);
    assert.deepEqual(answers['2']?.result?.structuredContent, { sum: 42 });
    assert.equal(answers['3']?.error?.code, -32601, JSON.stringify(answers['3']));
    const tools = (answers['4']?.result?.tools ?? []) as { name: string }[];
    assert.ok(
      tools.some((t) => t.name === 'echo'),
      JSON.stringify(answers['4']),
    );
  });

  test('a batch of notifications only → 202 with no body', async () => {
    const s = await openSession(fleet.front('a').url, '2025-03-26');
    const res = await post(
      fleet.front('b').url,
      [
        { jsonrpc: '2.0', method: 'notifications/roots/list_changed' },
        { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'nothing-running' } },
      ],
      s.headers,
    );
    assert.equal(res.status, 202);
    assert.equal(await res.text(), '');
  });
});

describe('sessions of later versions', () => {
  for (const version of ['2025-06-18', '2025-11-25']) {
    test(`${version}: a batch → 400 with JSON-RPC error -32600; single messages still work`, async () => {
      const s = await openSession(fleet.front('a').url, version);
      assert.equal(s.protocolVersion, version);
      const res = await post(
        fleet.front('b').url,
        [
          { jsonrpc: '2.0', id: 'ping-1', method: 'ping' },
          {
            jsonrpc: '2.0',
            id: 'echo-1',
            method: 'tools/call',
            params: { name: 'echo', arguments: { text: 'in a batch' } },
          },
          { jsonrpc: '2.0', method: 'notifications/roots/list_changed' },
        ],
        s.headers,
      );
      assert.equal(res.status, 400);
      assert.equal(mediaType(res), 'application/json');
      const body = (await readJson(res)) as Answer;
      assert.ok(!Array.isArray(body), `one error object, not an array: ${JSON.stringify(body)}`);
      assert.equal(body.jsonrpc, '2.0');
      assert.equal(body.error?.code, -32600, JSON.stringify(body));
      assert.equal(body.id, null);

      const ping = await post(fleet.front('b').url, { jsonrpc: '2.0', id: 'ping-2', method: 'ping' }, s.headers);
      assert.equal(ping.status, 200);
      assert.deepEqual(await readJson(ping), { jsonrpc: '2.0', id: 'ping-2', result: {} });
    });
  }
});
