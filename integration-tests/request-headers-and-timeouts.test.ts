// ctx.headers carries only the allow-listed request headers (Authorization only when listed), and a server→client
// request the client never answers ends with notifications/cancelled to the client and an error to the tool.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFleet, type Fleet } from './harness/fleet.ts';
import { SseReader, frameMessage, openSession, post, rpcRequest } from './harness/http.ts';

let fleet: Fleet;

before(async () => {
  fleet = await startFleet({
    fronts: 2,
    workers: 1,
    env: { HEADERS_TO_TOOLS: 'x-tenant,X-Request-Id', SERVER_REQUEST_TIMEOUT_MS: '1500' },
  });
});
after(async () => {
  await fleet?.stop();
});

async function callTool(url: string, headers: Record<string, string>, name: string, args: Record<string, unknown>) {
  const res = await post(url, rpcRequest('tools/call', { name, arguments: args }), headers);
  assert.equal(res.status, 200);
  const frames = await new SseReader(res).readToEnd(15_000);
  return frames.map(frameMessage).filter((m): m is Record<string, unknown> => m !== undefined);
}

describe('request headers reach tools through the allow-list', () => {
  test('listed headers arrive (case-insensitive); others and Authorization do not', async () => {
    const a = fleet.front('a').url;
    const s = await openSession(a);
    const messages = await callTool(
      a,
      {
        ...s.headers,
        'x-tenant': 'acme',
        'x-request-id': 'r-1',
        'x-secret': 'nope',
        authorization: 'Bearer token-that-must-not-leak',
      },
      'whoami',
      {},
    );
    const result = messages.at(-1)?.result as {
      structuredContent: { headers: Record<string, string>; session: string };
    };
    assert.deepEqual(result.structuredContent.headers, { 'x-tenant': 'acme', 'x-request-id': 'r-1' });
    assert.equal(result.structuredContent.session, s.sessionId);
    assert.ok(!JSON.stringify(messages).includes('token-that-must-not-leak'));
  });
});

describe('a server→client request the client never answers', () => {
  test('times out: notifications/cancelled on the call stream, then an error result for the tool', async () => {
    const b = fleet.front('b').url;
    // A 2025-11-25 session that declares elicitation but will never answer.
    const init = await post(
      b,
      rpcRequest('initialize', {
        protocolVersion: '2025-11-25',
        capabilities: { elicitation: {} },
        clientInfo: { name: 'silent', version: '0' },
      }),
    );
    const sessionId = init.headers.get('mcp-session-id')!;
    await init.text();
    const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
    await (await post(b, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers)).text();

    const started = Date.now();
    const messages = await callTool(b, headers, 'ask_user', { question: 'anyone there?' });
    const elapsed = Date.now() - started;
    const request = messages.find((m) => m.method === 'elicitation/create');
    assert.ok(request, 'the elicitation request travelled on the call stream');
    const cancelled = messages.find((m) => m.method === 'notifications/cancelled');
    assert.ok(cancelled, 'the client was told to stop waiting');
    assert.equal((cancelled!.params as { requestId: unknown }).requestId, request!.id);
    const last = messages.at(-1)!;
    const result = last.result as { isError?: boolean; content: { text: string }[] };
    assert.equal(result.isError, true);
    assert.match(result.content[0]!.text, /did not answer elicitation\/create within 1500 ms/);
    assert.ok(elapsed >= 1400, `the wait lasted the configured timeout (${elapsed} ms)`);
    // A late answer is dropped without harm.
    const late = await post(
      b,
      { jsonrpc: '2.0', id: request!.id, result: { action: 'accept', content: { answer: 'late' } } },
      headers,
    );
    assert.equal(late.status, 202);
  });
});
