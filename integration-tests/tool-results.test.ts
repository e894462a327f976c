// What a client gets back from tools/call: results, tool errors, argument errors, unknown tools, and the two
// response shapes (an SSE stream by default, one JSON object when the client or the server asks for JSON).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import {
  ACCEPT_BOTH,
  SseReader,
  connectClient,
  frameMessage,
  mediaType,
  openSession,
  splitEventId,
  post,
  readJson,
  rpcId,
  rpcRequest,
  startFleet,
  type ConnectedClient,
  type Fleet,
  type RawSession,
} from './harness/index.ts';

let fleet: Fleet;
let sdk: ConnectedClient;

before(async () => {
  // front-a answers as configured by default (SSE); front-b is started with RESPONSE_MODE=json.
  fleet = await startFleet({ fronts: 2, workers: 1, frontEnv: [{}, { RESPONSE_MODE: 'json' }] });
  sdk = await connectClient(fleet.front('a').url);
});

after(async () => {
  await sdk?.close();
  await fleet?.stop();
});

function textOf(result: unknown): string {
  const content = (result as { content?: unknown }).content as { type: string; text?: string }[];
  assert.ok(Array.isArray(content) && content.length === 1, `one content item: ${JSON.stringify(result)}`);
  assert.equal(content[0]!.type, 'text');
  return content[0]!.text!;
}

describe('results through the SDK client', () => {
  test('tools/list has the example tools, each with an object input schema', async () => {
    const { tools } = await sdk.client.listTools();
    const names = tools.map((t) => t.name);
    for (const n of ['echo', 'count', 'fail', 'log_levels'])
      assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
    for (const t of tools) assert.equal(t.inputSchema.type, 'object', `${t.name} inputSchema`);
  });

  test('echo returns its text unchanged', async () => {
    const text = 'hello fleet ✓ — "quotes", new\nline';
    const result = await sdk.client.callTool({ name: 'echo', arguments: { text } });
    assert.notEqual(result.isError, true, JSON.stringify(result));
    assert.deepEqual(result.content, [{ type: 'text', text }]);
  });

  test('fail returns a tool error (isError) carrying the message, not a protocol error', async () => {
    const result = await sdk.client.callTool({ name: 'fail', arguments: { message: 'disk on fire' } });
    assert.equal(result.isError, true, JSON.stringify(result));
    assert.deepEqual(result.content, [{ type: 'text', text: 'disk on fire' }]);
  });

  test('arguments that violate the input schema give isError with an explanation', async () => {
    const wrongType = await sdk.client.callTool({ name: 'echo', arguments: { text: 42 } });
    assert.equal(wrongType.isError, true, JSON.stringify(wrongType));
    const t1 = textOf(wrongType);
    assert.match(t1, /text/, `the explanation names the argument: ${t1}`);
    assert.match(t1, /string/i, `the explanation says what was expected: ${t1}`);

    const missing = await sdk.client.callTool({ name: 'echo', arguments: {} });
    assert.equal(missing.isError, true, JSON.stringify(missing));
    const t2 = textOf(missing);
    assert.match(t2, /text/, `the explanation names the missing argument: ${t2}`);
    assert.notEqual(t2, '', 'an explanation, not an empty text');

    // The session is still usable afterwards.
    const ok = await sdk.client.callTool({ name: 'echo', arguments: { text: 'still here' } });
    assert.deepEqual(ok.content, [{ type: 'text', text: 'still here' }]);
  });

  test('an unknown tool is a JSON-RPC error -32602', async () => {
    await assert.rejects(sdk.client.callTool({ name: 'no_such_tool', arguments: {} }), (err: unknown) => {
      assert.ok(err instanceof McpError, `McpError, got ${String(err)}`);
      assert.equal(err.code, -32602);
      assert.match(err.message, /no_such_tool/);
      return true;
    });
  });

  test('count reports progress 1..N with total N when asked, then its result', async () => {
    const progress: { progress: number; total?: number }[] = [];
    const result = await sdk.client.callTool({ name: 'count', arguments: { to: 4, intervalMs: 20 } }, undefined, {
      onprogress: (p) => progress.push({ progress: p.progress, total: p.total }),
    });
    assert.equal(textOf(result), 'counted to 4');
    assert.deepEqual(
      progress,
      [1, 2, 3, 4].map((i) => ({ progress: i, total: 4 })),
    );
  });
});

describe('the wire format of tools/call', () => {
  let s25: RawSession;
  before(async () => {
    s25 = await openSession(fleet.front('a').url, '2025-11-25');
  });

  test('answers with text/event-stream (x-accel-buffering: no), a priming event for 2025-11-25, then the result', async () => {
    const id = rpcId();
    const res = await post(
      fleet.front('a').url,
      rpcRequest('tools/call', { name: 'echo', arguments: { text: 'sse' } }, id),
      s25.headers,
    );
    assert.equal(res.status, 200);
    assert.equal(mediaType(res), 'text/event-stream');
    assert.equal(res.headers.get('x-accel-buffering'), 'no');
    const frames = await new SseReader(res).readToEnd();
    assert.ok(frames.length >= 2, `priming + result, got:\n${frames.map((f) => f.raw).join('\n\n')}`);
    const priming = frames[0]!;
    const primingId = splitEventId(priming.id);
    assert.ok(primingId, `the priming event has an id <streamId>:<seq>: ${priming.raw}`);
    assert.equal(primingId.seq, 0, `priming event id ends in :0: ${priming.raw}`);
    assert.ok(priming.retry !== undefined && priming.retry >= 0, `the priming event has a retry field: ${priming.raw}`);
    assert.ok(!priming.data, `the priming event carries no data: ${priming.raw}`);

    const messages = frames.filter((f) => f.data);
    assert.equal(messages.length, 1, `only the result: ${frames.map((f) => f.raw).join('\n\n')}`);
    const last = messages[0]!;
    const lastId = splitEventId(last.id);
    assert.ok(lastId, `the result event has an id: ${last.raw}`);
    assert.equal(lastId.streamId, primingId.streamId, 'same stream');
    assert.equal(lastId.seq, 1);
    const msg = frameMessage(last)!;
    assert.equal(msg.jsonrpc, '2.0');
    assert.equal(msg.id, id);
    assert.deepEqual(msg.result, { content: [{ type: 'text', text: 'sse' }] });
  });

  for (const version of ['2025-06-18', '2025-03-26']) {
    test(`a ${version} session: no empty priming event, but an id-bearing first event (a notification clients ignore)`, async () => {
      const s = await openSession(fleet.front('a').url, version);
      assert.equal(s.protocolVersion, version);
      const id = rpcId();
      const res = await post(
        fleet.front('a').url,
        rpcRequest('tools/call', { name: 'echo', arguments: { text: version } }, id),
        s.headers,
      );
      assert.equal(res.status, 200);
      assert.equal(mediaType(res), 'text/event-stream');
      const frames = await new SseReader(res).readToEnd();
      const all = frames.map((f) => f.raw).join('\n\n');
      assert.equal(frames.length, 2, `the resume point and the result:\n${all}`);
      const [first, result] = [frames[0]!, frames[1]!];
      // Clients of these versions may fail on empty data: every event carries a JSON-RPC message.
      assert.ok(first.data && result.data, `no event without data:\n${all}`);
      assert.equal(first.retry, undefined, 'no retry field');
      assert.equal(splitEventId(first.id)?.seq, 0, 'the first event names the point before every message');
      assert.deepEqual(frameMessage(first), { jsonrpc: '2.0', method: 'notifications/mcp-fleet/resumable' });
      assert.equal(splitEventId(result.id)?.seq, 1);
      assert.equal(frameMessage(result)!.id, id);
    });
  }

  test('progress notifications only when the call carries a progress token', async () => {
    const url = fleet.front('a').url;
    const without = await post(
      url,
      rpcRequest('tools/call', { name: 'count', arguments: { to: 3, intervalMs: 10 } }),
      s25.headers,
    );
    const plain = (await new SseReader(without).readToEnd()).map(frameMessage).filter(Boolean);
    assert.deepEqual(
      plain.map((m) => m!.method ?? 'response'),
      ['response'],
      JSON.stringify(plain),
    );
    assert.deepEqual((plain[0]!.result as { content: unknown }).content, [{ type: 'text', text: 'counted to 3' }]);

    const token = 'tok-1';
    const withToken = await post(
      url,
      rpcRequest('tools/call', {
        name: 'count',
        arguments: { to: 3, intervalMs: 10 },
        _meta: { progressToken: token },
      }),
      s25.headers,
    );
    const msgs = (await new SseReader(withToken).readToEnd()).map(frameMessage).filter(Boolean);
    const progress = msgs
      .filter((m) => m!.method === 'notifications/progress')
      .map((m) => m!.params as Record<string, unknown>)
      .map((p) => ({ progressToken: p.progressToken, progress: p.progress, total: p.total }));
    assert.deepEqual(
      progress,
      [1, 2, 3].map((i) => ({ progressToken: token, progress: i, total: 3 })),
    );
    assert.equal(msgs.at(-1)!.method, undefined, 'the stream ends with the response');
    assert.deepEqual((msgs.at(-1)!.result as { content: unknown }).content, [{ type: 'text', text: 'counted to 3' }]);
  });

  test('an unknown tool answers HTTP 200 with error -32602 for that request id', async () => {
    const id = rpcId();
    const res = await post(
      fleet.front('a').url,
      rpcRequest('tools/call', { name: 'nope', arguments: {} }, id),
      s25.headers,
    );
    assert.equal(res.status, 200);
    const body = await answerOf(res);
    assert.equal(body.id, id);
    assert.equal((body.error as { code: number }).code, -32602);
    assert.equal(body.result, undefined);
  });

  test('Accept: application/json only gets one JSON object with the result (no stream)', async () => {
    const id = rpcId();
    const res = await post(
      fleet.front('a').url,
      rpcRequest(
        'tools/call',
        {
          name: 'count',
          arguments: { to: 3, intervalMs: 10 },
          _meta: { progressToken: 'json-only' },
        },
        id,
      ),
      { ...s25.headers, accept: 'application/json' },
    );
    assert.equal(res.status, 200);
    assert.equal(mediaType(res), 'application/json');
    assert.deepEqual(await readJson(res), {
      jsonrpc: '2.0',
      id,
      result: { content: [{ type: 'text', text: 'counted to 3' }] },
    });
  });

  test('a node with RESPONSE_MODE=json answers tools/call with JSON even when the client accepts SSE', async () => {
    const b = fleet.front('b').url;
    const s = await openSession(b);
    const id = rpcId();
    const res = await post(b, rpcRequest('tools/call', { name: 'echo', arguments: { text: 'json mode' } }, id), {
      ...s.headers,
      accept: ACCEPT_BOTH,
    });
    assert.equal(res.status, 200);
    assert.equal(mediaType(res), 'application/json');
    assert.deepEqual(await readJson(res), {
      jsonrpc: '2.0',
      id,
      result: { content: [{ type: 'text', text: 'json mode' }] },
    });

    // The SDK client works against it too, tool errors included.
    const c = await connectClient(b);
    try {
      const r = await c.client.callTool({ name: 'echo', arguments: { text: 'via sdk' } });
      assert.deepEqual(r.content, [{ type: 'text', text: 'via sdk' }]);
      const f = await c.client.callTool({ name: 'fail', arguments: { message: 'json failure' } });
      assert.equal(f.isError, true);
      assert.deepEqual(f.content, [{ type: 'text', text: 'json failure' }]);
    } finally {
      await c.close();
    }
  });
});

/** The JSON-RPC response of a POST, whether it came as JSON or as the last message of an SSE stream. */
async function answerOf(res: Response): Promise<Record<string, unknown>> {
  if (mediaType(res) === 'text/event-stream') {
    const msgs = (await new SseReader(res).readToEnd()).map(frameMessage).filter(Boolean);
    const answer = msgs.find((m) => m!.method === undefined);
    assert.ok(answer, `a response in the stream: ${JSON.stringify(msgs)}`);
    return answer!;
  }
  assert.equal(mediaType(res), 'application/json');
  return (await readJson(res)) as Record<string, unknown>;
}
