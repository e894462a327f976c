// CORS for browser clients: off unless CORS_ORIGINS is set; then preflights are answered for the listed origins
// with every header an MCP client sends (both eras), and responses — errors included — expose the headers a
// browser script must read (Mcp-Session-Id above all).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCEPT_BOTH, rpcRequest, startFleet, type Fleet } from './harness/index.ts';

const APP = 'http://localhost:5173';
let fleet: Fleet;

before(async () => {
  // front-a: CORS off (the default); front-b: one browser app allowed.
  fleet = await startFleet({ fronts: 2, workers: 1, frontEnv: [{}, { CORS_ORIGINS: APP }] });
});

after(async () => {
  await fleet?.stop();
});

const REQUESTED = [
  'authorization',
  'content-type',
  'mcp-session-id',
  'mcp-protocol-version',
  'last-event-id',
  'mcp-method',
  'mcp-name',
  'mcp-param-region',
];

function preflight(url: string, origin: string, method = 'POST'): Promise<Response> {
  return fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': REQUESTED.join(','),
    },
  });
}

const list = (v: string | null) => (v ?? '').split(',').map((s) => s.trim().toLowerCase());

describe('without CORS_ORIGINS', () => {
  test('a preflight gets no CORS grant, and a response carries no CORS headers', async () => {
    const url = fleet.front('a').url;
    const res = await preflight(url, APP);
    await res.arrayBuffer();
    assert.equal(res.headers.get('access-control-allow-origin'), null, `status ${res.status}`);
    assert.equal(res.headers.get('access-control-allow-headers'), null);
    const post = await fetch(url, {
      method: 'POST',
      headers: { origin: APP, 'content-type': 'application/json', accept: ACCEPT_BOTH },
      body: JSON.stringify(rpcRequest('ping', undefined, 1)),
    });
    await post.arrayBuffer();
    assert.equal(post.headers.get('access-control-allow-origin'), null);
  });
});

describe('with CORS_ORIGINS', () => {
  test('a preflight from a listed origin is answered with the MCP request headers allowed', async () => {
    for (const method of ['POST', 'GET', 'DELETE']) {
      const res = await preflight(fleet.front('b').url, APP, method);
      await res.arrayBuffer();
      assert.equal(res.status, 204, method);
      assert.equal(res.headers.get('access-control-allow-origin'), APP, method);
      assert.ok(list(res.headers.get('access-control-allow-methods')).includes(method.toLowerCase()), method);
      const allowed = list(res.headers.get('access-control-allow-headers'));
      for (const h of REQUESTED) assert.ok(allowed.includes(h), `${method}: ${h} allowed (got ${allowed.join(',')})`);
      assert.ok(Number(res.headers.get('access-control-max-age')) > 0, 'the preflight may be cached');
    }
  });

  test('a preflight from another origin gets no grant', async () => {
    const res = await preflight(fleet.front('b').url, 'http://localhost:6666');
    await res.arrayBuffer();
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });

  test('initialize from the app: the browser may read Mcp-Session-Id (and the other MCP response headers)', async () => {
    const res = await fetch(fleet.front('b').url, {
      method: 'POST',
      headers: { origin: APP, 'content-type': 'application/json', accept: ACCEPT_BOTH },
      body: JSON.stringify(
        rpcRequest(
          'initialize',
          { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'browser', version: '1' } },
          2,
        ),
      ),
    });
    await res.arrayBuffer();
    assert.equal(res.status, 200);
    assert.ok(res.headers.get('mcp-session-id'));
    assert.equal(res.headers.get('access-control-allow-origin'), APP);
    const exposed = list(res.headers.get('access-control-expose-headers'));
    for (const h of ['mcp-session-id', 'mcp-protocol-version', 'www-authenticate', 'retry-after']) {
      assert.ok(exposed.includes(h), `${h} exposed (got ${exposed.join(',')})`);
    }
  });

  test('an error answer carries the CORS headers too, so the browser can read it', async () => {
    const res = await fetch(fleet.front('b').url, {
      method: 'GET',
      headers: { origin: APP, accept: 'text/event-stream', 'mcp-session-id': 'no-such-session' },
    });
    const body = (await res.json()) as { error: { code: number } };
    assert.equal(res.status, 404);
    assert.equal(body.error.code, -32001);
    assert.equal(res.headers.get('access-control-allow-origin'), APP);
  });
});
