// Every HTTP-level error a client can run into, with raw fetch: status code, content type, and a JSON-RPC error
// body `{jsonrpc:'2.0', id, error:{code, message}}` whose message a person can act on.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  ACCEPT_BOTH,
  mediaType,
  openSession,
  post,
  readJson,
  rpcId,
  rpcRequest,
  startFleet,
  type Fleet,
  type RawSession,
} from './harness/index.ts';

let fleet: Fleet;
let url: string;
let session: RawSession;

before(async () => {
  fleet = await startFleet({ fronts: 1, workers: 1 });
  url = fleet.front('a').url;
  session = await openSession(url);
});

after(async () => {
  await fleet?.stop();
});

interface ErrorBody {
  jsonrpc: string;
  id: unknown;
  error: { code: number; message: string };
}

/** Asserts an HTTP error answered with a JSON-RPC error body; returns the body. */
async function expectError(res: Response, status: number, code: number, what: string): Promise<ErrorBody> {
  const text = await res.text();
  assert.equal(res.status, status, `${what}: HTTP status (body: ${text})`);
  assert.equal(mediaType(res), 'application/json', `${what}: content type (body: ${text})`);
  let body: ErrorBody;
  try {
    body = JSON.parse(text) as ErrorBody;
  } catch {
    assert.fail(`${what}: the body is not JSON: ${text}`);
  }
  assert.equal(body.jsonrpc, '2.0', `${what}: ${text}`);
  assert.ok('id' in body, `${what}: the error body has an id (null when unknown): ${text}`);
  assert.ok(body.id === null || typeof body.id === 'string' || typeof body.id === 'number', `${what}: id ${text}`);
  assert.equal(typeof body.error, 'object', `${what}: ${text}`);
  assert.equal(body.error.code, code, `${what}: JSON-RPC error code (body: ${text})`);
  assert.equal(typeof body.error.message, 'string', `${what}: ${text}`);
  assert.ok(
    body.error.message.length >= 10 && /[a-z]/i.test(body.error.message),
    `${what}: a readable message: ${text}`,
  );
  return body;
}

describe('request checks', () => {
  test('an unsupported MCP-Protocol-Version on a session request → 400, -32000', async () => {
    const res = await post(url, rpcRequest('ping'), { ...session.headers, 'mcp-protocol-version': '1999-01-01' });
    const body = await expectError(res, 400, -32000, 'protocol version 1999-01-01');
    assert.match(body.error.message, /version/i);
    // The same request with the negotiated version works.
    const ok = await post(url, rpcRequest('ping'), session.headers);
    assert.equal(ok.status, 200, await ok.text());
  });

  test('a foreign Origin → 403, -32000; no Origin and localhost origins are fine', async () => {
    const init = rpcRequest('initialize', {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 'origin-test', version: '0' },
    });
    const evil = await post(url, init, { origin: 'http://evil.example' });
    const body = await expectError(evil, 403, -32000, 'Origin http://evil.example');
    assert.equal(evil.headers.get('mcp-session-id'), null, 'no session is created for a forbidden origin');
    assert.match(body.error.message, /origin/i);

    const evilOnSession = await post(url, rpcRequest('ping'), { ...session.headers, origin: 'http://evil.example' });
    await expectError(evilOnSession, 403, -32000, 'Origin http://evil.example on a session request');

    for (const origin of ['http://localhost:5173', 'http://localhost:1', 'http://127.0.0.1:8080']) {
      const ok = await post(url, init, { origin });
      assert.equal(ok.status, 200, `Origin ${origin}: ${await ok.text()}`);
      assert.ok(ok.headers.get('mcp-session-id'));
    }
    const none = await post(url, init);
    assert.equal(none.status, 200, `no Origin: ${await none.text()}`);
  });

  test('POST with Accept: text/html → 406, -32000', async () => {
    const res = await post(url, rpcRequest('ping'), { ...session.headers, accept: 'text/html' });
    await expectError(res, 406, -32000, 'POST Accept: text/html');
  });

  test('GET without text/event-stream in Accept → 406', async () => {
    const res = await fetch(url, { method: 'GET', headers: { ...session.headers, accept: 'application/json' } });
    await expectError(res, 406, -32000, 'GET Accept: application/json');
  });

  test('POST with Content-Type: text/plain → 415, -32000', async () => {
    const res = await post(url, JSON.stringify(rpcRequest('ping')), {
      ...session.headers,
      'content-type': 'text/plain',
    });
    await expectError(res, 415, -32000, 'Content-Type: text/plain');
  });

  test('a body larger than MAX_BODY_BYTES (default 1 MiB) → 413, -32000; a large body under it is served', async () => {
    const big = rpcRequest('tools/call', { name: 'echo', arguments: { text: 'x'.repeat(1024 * 1024 + 10) } });
    const res = await post(url, big, session.headers);
    const body = await expectError(res, 413, -32000, 'body over 1 MiB');
    assert.match(body.error.message, /large|limit|bytes/i);

    const text = randomBytes(256 * 1024).toString('base64url'); // ~341 KiB, well under the limit
    const id = rpcId();
    const ok = await post(url, rpcRequest('tools/call', { name: 'echo', arguments: { text } }, id), {
      ...session.headers,
      accept: 'application/json',
    });
    assert.equal(ok.status, 200);
    assert.deepEqual(await readJson(ok), { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }] } });
  });
});

describe('JSON-RPC errors', () => {
  test('malformed JSON → 400, -32700, id null', async () => {
    const res = await post(url, '{"jsonrpc":"2.0","id":1,"method":', session.headers);
    const body = await expectError(res, 400, -32700, 'malformed JSON');
    assert.equal(body.id, null);
  });

  test('valid JSON that is not JSON-RPC → 400, -32600', async () => {
    for (const payload of ['{"foo":1}', '42', '"ping"', '{"jsonrpc":"1.0","id":1,"method":"ping"}']) {
      const res = await post(url, payload, session.headers);
      await expectError(res, 400, -32600, `body ${payload}`);
    }
  });

  test('an unknown method on a live session → HTTP 200 with error -32601 answering that id', async () => {
    const id = rpcId();
    const res = await post(url, rpcRequest('no/such/method', {}, id), session.headers);
    const body = await expectError(res, 200, -32601, 'unknown method');
    assert.equal(body.id, id);
    assert.match(body.error.message, /no\/such\/method|method/i);
  });
});

describe('session errors', () => {
  test('a request other than initialize without Mcp-Session-Id → 400, -32000', async () => {
    const res = await post(url, rpcRequest('tools/list'), { 'mcp-protocol-version': '2025-11-25' });
    const body = await expectError(res, 400, -32000, 'no session id');
    assert.match(body.error.message, /session/i);
    const get = await fetch(url, { method: 'GET', headers: { accept: 'text/event-stream' } });
    await expectError(get, 400, -32000, 'GET without session id');
  });

  test('an unknown Mcp-Session-Id → 404, -32001 (POST, GET and DELETE)', async () => {
    const headers = { 'mcp-session-id': randomBytes(18).toString('base64url'), 'mcp-protocol-version': '2025-11-25' };
    const p = await post(url, rpcRequest('tools/list'), headers);
    const body = await expectError(p, 404, -32001, 'unknown session (POST)');
    assert.match(body.error.message, /session/i);
    const g = await fetch(url, { method: 'GET', headers: { ...headers, accept: 'text/event-stream' } });
    await expectError(g, 404, -32001, 'unknown session (GET)');
    const d = await fetch(url, { method: 'DELETE', headers });
    await expectError(d, 404, -32001, 'unknown session (DELETE)');
    const n = await post(
      url,
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { ...headers, accept: ACCEPT_BOTH },
    );
    await expectError(n, 404, -32001, 'unknown session (notification)');
  });
});
