// DNS-rebinding protection on every MCP path: a request whose Host (or Origin) names another site is refused with a
// JSON-RPC error a person can read (403, the request's id when it had one), on /mcp and on the legacy GET /sse and
// POST /messages; the names the node is reached by pass; the probes answer whatever Host a prober sends.
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ACCEPT_BOTH,
  baseEnv,
  cliPath,
  rawRequest,
  rpcRequest,
  startFleet,
  type Fleet,
  type RawAnswer,
} from './harness/index.ts';

let fleet: Fleet;
let url: string;
let port: number;

before(async () => {
  // front-a: the default (bound to loopback); front-b: a configured public name.
  fleet = await startFleet({ fronts: 2, workers: 1, frontEnv: [{}, { ALLOWED_HOSTS: 'mcp.example.com' }] });
  url = fleet.front('a').url;
  port = fleet.front('a').port;
});

after(async () => {
  await fleet?.stop();
});

const initialize = (id: number) =>
  rpcRequest(
    'initialize',
    { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'rebinding-test', version: '1' } },
    id,
  );

function postInit(target: string, host: string, id: number, extra: Record<string, string> = {}): Promise<RawAnswer> {
  return rawRequest(target, {
    method: 'POST',
    headers: { host, 'content-type': 'application/json', accept: ACCEPT_BOTH, ...extra },
    body: initialize(id),
  });
}

function assertHostRefused(res: RawAnswer, host: string, id: number | null, what: string): void {
  assert.equal(res.status, 403, `${what}: status (body ${res.body})`);
  assert.match(String(res.headers['content-type']), /^application\/json/, what);
  const body = JSON.parse(res.body) as { jsonrpc: string; id: unknown; error: { code: number; message: string } };
  assert.equal(body.jsonrpc, '2.0');
  assert.equal(body.id, id, `${what}: the error carries the request's id`);
  assert.equal(body.error.code, -32000, what);
  assert.equal(
    body.error.message,
    `Forbidden: Host ${JSON.stringify(host)} is not allowed (ALLOWED_HOSTS); connect by a host name this server is configured for`,
    what,
  );
}

describe('a node bound to loopback', () => {
  test('POST /mcp with Host: evil.example is refused (403, the request id, a clear message)', async () => {
    const host = `evil.example:${port}`;
    assertHostRefused(await postInit(url, host, 41), host, 41, 'initialize');
  });

  test('the conformance suite’s rebinding request (Host and Origin both the attacker’s) is refused', async () => {
    const res = await postInit(url, 'evil.example.com', 42, { origin: 'http://evil.example.com' });
    assertHostRefused(res, 'evil.example.com', 42, 'Host + Origin');
  });

  test('localhost, 127.0.0.1 and [::1] on any port pass', async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost']) {
      const res = await postInit(url, host, 43);
      assert.equal(res.status, 200, `${host}: ${res.body}`);
      assert.ok(res.headers['mcp-session-id'], `${host}: a session was created`);
    }
  });

  test('GET /mcp with a foreign Host is refused before the session is looked at', async () => {
    const res = await rawRequest(url, {
      headers: { host: 'evil.example', accept: 'text/event-stream', 'mcp-session-id': 'whatever' },
    });
    assertHostRefused(res, 'evil.example', null, 'GET /mcp');
  });

  test('GET /sse (the legacy transport) with a foreign Host is refused and opens no session', async () => {
    const redis = fleet.redisClient();
    const before = await redis.zcard(`${fleet.keyPrefix}:sessions`);
    const sse = url.replace(/\/mcp$/, '/sse');
    const res = await rawRequest(sse, { headers: { host: 'evil.example', accept: 'text/event-stream' } });
    assertHostRefused(res, 'evil.example', null, 'GET /sse');
    assert.equal(await redis.zcard(`${fleet.keyPrefix}:sessions`), before, 'no session was created');
    // The same GET with the node's own name opens the stream: its first event names the POST endpoint.
    const ok = await rawRequest(sse, {
      headers: { host: `127.0.0.1:${port}`, accept: 'text/event-stream' },
      firstChunkOnly: true,
    });
    assert.equal(ok.status, 200, ok.body);
    assert.match(ok.body, /event: endpoint\ndata: \/messages\?sessionId=/);
  });

  test('POST /messages with a foreign Host is refused with the request id', async () => {
    const messages = url.replace(/\/mcp$/, '/messages?sessionId=abc');
    const res = await rawRequest(messages, {
      method: 'POST',
      headers: { host: 'evil.example', 'content-type': 'application/json' },
      body: rpcRequest('ping', undefined, 44),
    });
    assertHostRefused(res, 'evil.example', 44, 'POST /messages');
  });

  test('/healthz and /readyz answer whatever Host a probe sends (a Kubernetes probe sends the pod IP)', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const res = await rawRequest(url.replace(/\/mcp$/, path), { headers: { host: `10.1.2.3:${port}` } });
      assert.equal(res.status, 200, `${path}: ${res.body}`);
    }
  });
});

describe('ALLOWED_HOSTS', () => {
  test('a node told its public name answers to it, and to nothing else', async () => {
    const b = fleet.front('b').url;
    assert.equal((await postInit(b, 'mcp.example.com', 51)).status, 200);
    assert.equal((await postInit(b, 'MCP.example.com:443', 52)).status, 200, 'any port, any case');
    const res = await postInit(b, `127.0.0.1:${fleet.front('b').port}`, 53);
    assertHostRefused(res, `127.0.0.1:${fleet.front('b').port}`, 53, 'not listed');
  });

  test('a node bound beyond loopback without ALLOWED_HOSTS refuses to start, saying what to set', async () => {
    const child = spawn(process.execPath, [cliPath, 'front'], {
      // Anonymous access allowed explicitly, so the Host rule is what stops it (auth-tokens.test.ts: the auth rule).
      env: {
        ...baseEnv(),
        REDIS_URL: fleet.redis.url,
        KEY_PREFIX: fleet.keyPrefix,
        HOST: '0.0.0.0',
        PORT: '0',
        AUTH_ALLOW_ANONYMOUS: 'true',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 2, stderr);
    assert.match(stderr, /ALLOWED_HOSTS is required when HOST="0\.0\.0\.0" is not a loopback address/);
  });
});
