// The OAuth resource server and API keys, against a real authorization server (oidc-provider) and 2 front nodes + a
// worker as separate processes: discovery (401 → Protected Resource Metadata → token) with the v1 SDK's own OAuth
// client; valid, expired, wrong-audience, wrong-issuer, opaque (introspected) tokens; 403 step-up for a tool's
// scope; key rotation; API keys created and revoked with the CLI; both eras and the legacy transport; and a node
// bound to a public address without authentication refusing to start.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startAuthServer } from './harness/auth-server.ts';
import { FLEET_URL, startAuthFleet, type AuthFleet } from './harness/auth-fleet.ts';
import { SseReader, eventually, openSession, post, readJson, rpcRequest, sleep } from './harness/http.ts';
import { modernCall } from './harness/modern.ts';
import { baseEnv } from './harness/fleet.ts';
import { cliPath } from './harness/process.ts';
import { freePort } from '../shared/src/redis-launcher.ts';

let af: AuthFleet;
const A = () => af.fleet.front('a').url;
const B = () => af.fleet.front('b').url;

before(async () => {
  af = await startAuthFleet({ HEADERS_TO_TOOLS: 'authorization,x-request-tag' });
});
after(async () => {
  await af?.stop();
});

type RpcBody = { id?: unknown; result?: Record<string, unknown>; error?: { code: number; message: string } };

/** tools/call on a fresh session of `headers`' caller; the JSON-RPC response (the session's own stream). */
async function callTool(
  url: string,
  headers: Record<string, string>,
  name: string,
  args: Record<string, unknown> = {},
) {
  const s = await openSession(url, '2025-11-25', {}, headers);
  const res = await post(url, rpcRequest('tools/call', { name, arguments: args }), {
    ...s.headers,
    accept: 'application/json',
  });
  return { status: res.status, headers: res.headers, body: (await readJson(res)) as RpcBody };
}

const INITIALIZE = { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '0' } };
const initializeWith = (url: string, headers: Record<string, string>, id?: string) =>
  post(url, rpcRequest('initialize', INITIALIZE, id), headers);

function structured(body: RpcBody): Record<string, unknown> {
  assert.ok(body.result, `a result: ${JSON.stringify(body)}`);
  return body.result.structuredContent as Record<string, unknown>;
}

describe('discovery: 401, Protected Resource Metadata, and the SDK client getting its own token', () => {
  test('no credentials: 401 with the request id and WWW-Authenticate naming the metadata', async () => {
    const res = await initializeWith(A(), {}, 'init-1');
    assert.equal(res.status, 401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    assert.match(challenge, /^Bearer /);
    assert.match(challenge, /resource_metadata="http:\/\/127\.0\.0\.1:9\/\.well-known\/oauth-protected-resource\/mcp"/);
    const body = (await readJson(res)) as RpcBody;
    assert.equal(body.id, 'init-1');
    assert.equal(body.error?.code, -32000);
    assert.match(body.error!.message, /needs credentials/);
  });

  test('the metadata at both well-known locations names the issuer, the resource and the scopes', async () => {
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const res = await fetch(new URL(path, B()));
      assert.equal(res.status, 200, path);
      const doc = (await res.json()) as Record<string, unknown>;
      assert.equal(doc.resource, FLEET_URL);
      assert.deepEqual(doc.authorization_servers, [af.as.issuer]);
      assert.deepEqual(doc.bearer_methods_supported, ['header']);
      for (const s of ['tools', 'reports:write', 'files:read'])
        assert.ok((doc.scopes_supported as string[]).includes(s), s);
    }
  });

  test("the v1 SDK's ClientCredentialsProvider discovers the issuer from the 401, gets a token for the fleet, and calls", async () => {
    const transport = new StreamableHTTPClientTransport(new URL(FLEET_URL), {
      fetch: af.fleetFetch,
      authProvider: new ClientCredentialsProvider({
        clientId: 'alice',
        clientSecret: 'alice-secret-0123456789abcdef',
        expectedIssuer: af.as.issuer,
        // The v1 SDK asks for the client's configured scope in a client-credentials grant (not the metadata's).
        scope: 'tools reports:write',
      }),
    });
    const client = new Client({ name: 'oauth-client', version: '0' });
    try {
      await client.connect(transport);
      const tools = (await client.listTools()).tools.map((t) => t.name);
      assert.ok(tools.includes('echo') && tools.includes('batch_report'), `listed: ${tools.join()}`);
      const r = await client.callTool({ name: 'echo', arguments: { text: 'through OAuth' } });
      assert.deepEqual(r.content, [{ type: 'text', text: 'through OAuth' }]);
      const who = await client.callTool({ name: 'whoami', arguments: {} });
      const p = (who.structuredContent as { principal: Record<string, unknown> }).principal;
      assert.equal(p.subject, 'alice');
      assert.equal(p.tenant, 'acme');
    } finally {
      await client.close();
    }
  });
});

describe('tokens', () => {
  test('a valid token: tools see verified claims and scopes, never the token (even with HEADERS_TO_TOOLS=authorization)', async () => {
    const headers = { ...(await af.bearer('alice')), 'x-request-tag': 'seen' };
    const { status, body } = await callTool(B(), headers, 'whoami');
    assert.equal(status, 200);
    const who = structured(body) as { principal: Record<string, unknown>; headers: Record<string, string> };
    assert.equal(who.principal.subject, 'alice');
    assert.equal(who.principal.tenant, 'acme');
    assert.equal(who.principal.via, 'jwt');
    assert.deepEqual(who.principal.scopes, ['tools', 'reports:write', 'files:read']);
    assert.equal((who.principal.claims as Record<string, unknown>).iss, af.as.issuer);
    assert.deepEqual(who.headers, { 'x-request-tag': 'seen' });
    assert.ok(!JSON.stringify(body).includes(headers.authorization!.slice(7)), 'the token is nowhere in the result');
  });

  test("missing a tool's scope: 403 insufficient_scope naming what it needs (step-up), and the list hides the tool", async () => {
    const carol = await af.bearer('carol');
    const { status, headers, body } = await callTool(A(), carol, 'batch_report', { items: 1, itemMs: 0 });
    assert.equal(status, 403);
    const challenge = headers.get('www-authenticate') ?? '';
    assert.match(challenge, /error="insufficient_scope"/);
    assert.match(challenge, /scope="tools reports:write"/);
    assert.match(challenge, /resource_metadata="/);
    assert.equal(body.error?.code, -32000);
    assert.match(body.error!.message, /tool "batch_report" needs the scope reports:write/);
    assert.notEqual(body.id, null);
    const s = await openSession(B(), '2025-11-25', {}, carol);
    const list = (await readJson(
      await post(B(), rpcRequest('tools/list', {}), { ...s.headers, accept: 'application/json' }),
    )) as RpcBody;
    const names = (list.result!.tools as { name: string }[]).map((t) => t.name);
    assert.ok(names.includes('echo') && !names.includes('batch_report'), names.join());
    // A resource needs files:read, which carol's token lacks.
    const read = await post(B(), rpcRequest('resources/read', { uri: 'greeting://Ada' }), {
      ...s.headers,
      accept: 'application/json',
    });
    assert.equal(read.status, 403);
  });

  test('an expired token: 401 invalid_token, "expired"', async () => {
    const brief = await af.bearer('brief');
    await sleep(2100);
    const res = await initializeWith(A(), brief);
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    assert.match(((await readJson(res)) as RpcBody).error!.message, /expired/);
  });

  test('a token for another resource (audience): 401', async () => {
    const other = await af.bearer('alice', { resource: 'http://other.example/mcp' });
    const res = await initializeWith(B(), other);
    assert.equal(res.status, 401);
    assert.match(
      ((await readJson(res)) as RpcBody).error!.message,
      /not issued for this server \(audience must be http:\/\/127\.0\.0\.1:9\/mcp\)/,
    );
  });

  test('a token from an issuer the fleet does not trust, and a forged one: 401', async () => {
    const stranger = await startAuthServer({ resource: FLEET_URL, clients: [{ id: 'alice', scope: 'tools' }] });
    try {
      const foreign = { authorization: `Bearer ${await stranger.token('alice')}` };
      const res = await post(A(), rpcRequest('tools/list', {}), foreign);
      assert.equal(res.status, 401);
      assert.match(((await readJson(res)) as RpcBody).error!.message, /which this server does not trust/);
    } finally {
      await stranger.stop();
    }
    const real = await af.as.token('alice');
    const [h, p] = real.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'mallory' })).toString('base64url')}.${real.split('.')[2]}`;
    const res = await post(B(), rpcRequest('tools/list', {}), { authorization: `Bearer ${forged}` });
    assert.equal(res.status, 401);
    assert.match(((await readJson(res)) as RpcBody).error!.message, /signature does not verify/);
  });

  test('an opaque token is introspected (RFC 7662)', async () => {
    const opaque = await af.bearer('opaque');
    assert.equal(opaque.authorization!.split('.').length, 1, 'not a JWT');
    const who = structured((await callTool(A(), opaque, 'whoami')).body) as { principal: Record<string, unknown> };
    assert.equal(who.principal.subject, 'opaque');
    assert.equal(who.principal.via, 'introspection');
  });

  test('key rotation: after the issuer signs with a new key, new tokens are accepted on every node', async () => {
    const before = await af.bearer('alice');
    assert.equal((await callTool(A(), before, 'echo', { text: 'x' })).status, 200);
    await af.as.rotate();
    await sleep(600); // AUTH_JWKS_COOLDOWN_MS
    const fresh = await af.bearer('alice');
    assert.notEqual(fresh.authorization, before.authorization);
    for (const url of [A(), B()]) {
      const r = await callTool(url, fresh, 'echo', { text: 'rotated' });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
  });

  test('2026-07-28 requests: 401 without a token, served with one, 403 for a tool beyond its scopes', async () => {
    const call = (headers: Record<string, string>, name: string, args: Record<string, unknown>) =>
      modernCall(B(), { method: 'tools/call', params: { name, arguments: args }, headers });
    const anon = await call({}, 'echo', { text: 'm' });
    assert.equal(anon.status, 401);
    assert.match(anon.headers.get('www-authenticate') ?? '', /resource_metadata=/);
    const ok = await call(await af.bearer('alice'), 'echo', { text: 'modern' });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.result?.content, [{ type: 'text', text: 'modern' }]);
    const denied = await call(await af.bearer('carol'), 'batch_report', { items: 1 });
    assert.equal(denied.status, 403);
    assert.match(denied.headers.get('www-authenticate') ?? '', /insufficient_scope/);
  });

  test('the HTTP+SSE transport: GET /sse needs a token; a session opened with one works', async () => {
    const sse = new URL('/sse', A());
    assert.equal((await fetch(sse, { headers: { accept: 'text/event-stream' } })).status, 401);
    const ctl = new AbortController();
    const res = await fetch(sse, {
      headers: { accept: 'text/event-stream', ...(await af.bearer('alice')) },
      signal: ctl.signal,
    });
    assert.equal(res.status, 200);
    const reader = new SseReader(res);
    const endpoint = await reader.next();
    assert.equal(endpoint?.event, 'endpoint');
    ctl.abort();
  });
});

describe('audit', () => {
  test('a call and a refusal are audited with the verified principal (tenant/subject), never the token', async () => {
    const alice = await af.bearer('alice');
    const marker = `audit-${Date.now()}`;
    assert.equal((await callTool(A(), alice, 'echo', { text: marker })).status, 200);
    const worker = af.fleet.workers[0]!;
    const line = await worker.waitForLog(
      (e) => e.audit === true && e.event === 'call' && e.tool === 'echo' && e.principal === 'acme/alice',
      5000,
      'the call audited',
    );
    assert.equal(line.outcome, 'ok');
    assert.ok(!worker.proc.lines.some((l) => l.includes(marker)), 'no arguments in the audit (AUDIT_ARGUMENTS off)');
    const carol = await af.bearer('carol');
    assert.equal((await callTool(B(), carol, 'batch_report', { items: 1 })).status, 403);
    const front = af.fleet.front('b');
    const denied = await front.waitForLog(
      (e) => e.audit === true && e.event === 'denied' && e.principal === 'acme/carol',
      5000,
      'the refusal audited',
    );
    assert.equal(denied.status, 403);
    assert.equal(denied.error, 'INSUFFICIENT_SCOPE');
    const noToken = await initializeWith(A(), {});
    assert.equal(noToken.status, 401);
    await af.fleet
      .front('a')
      .waitForLog(
        (e) => e.audit === true && e.event === 'denied' && e.error === 'AUTH_REQUIRED',
        5000,
        'a 401 audited',
      );
    for (const node of [...af.fleet.fronts.map((f) => f.proc), worker.proc]) {
      assert.ok(!node.lines.some((l) => l.includes(alice.authorization.slice(7))), 'no log line carries a token');
    }
  });
});

describe('API keys', () => {
  const cli = (args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const env = { ...baseEnv(), REDIS_URL: af.fleet.redis.url, KEY_PREFIX: af.fleet.keyPrefix };
      const p = spawn(process.execPath, [cliPath, 'keys', ...args], { env });
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (err += d));
      p.on('exit', (code) => resolve({ code, out, err }));
    });

  test('created with the CLI (shown once, stored hashed), accepted on every node, revoked with the CLI', async () => {
    const made = await cli(['create', '--subject', 'build-bot', '--tenant', 'acme', '--scopes', 'tools', '--json']);
    assert.equal(made.code, 0, made.err);
    const { key, id } = JSON.parse(made.out) as { key: string; id: string };
    assert.match(key, /^mcpf_[0-9a-f]{12}_/);
    const stored = await af.fleet.redisClient().hgetall(`${af.fleet.keyPrefix}:{apikeys}:${id}`);
    assert.ok(stored.h && !JSON.stringify(stored).includes(key.slice(18)), 'only a hash of the secret is stored');
    const headers = { authorization: `Bearer ${key}` };
    for (const url of [A(), B()]) {
      const who = structured((await callTool(url, headers, 'whoami')).body) as { principal: Record<string, unknown> };
      assert.deepEqual(
        [who.principal.subject, who.principal.tenant, who.principal.via],
        ['build-bot', 'acme', 'api-key'],
      );
    }
    const listed = await cli(['list']);
    assert.match(listed.out, new RegExp(`${id}  active  build-bot@acme`));
    const revoked = await cli(['revoke', id]);
    assert.equal(revoked.code, 0, revoked.err);
    await eventually(
      async () => {
        const res = await post(A(), rpcRequest('tools/list', {}), headers);
        return res.status === 401 && /revoked/.test(((await readJson(res)) as RpcBody).error!.message);
      },
      5000,
      'the revoked key refused',
    );
    assert.match((await cli(['list'])).out, new RegExp(`${id}  revoked`));
    const wrong = `${key.slice(0, -4)}AAAA`;
    assert.equal((await post(B(), rpcRequest('tools/list', {}), { authorization: `Bearer ${wrong}` })).status, 401);
  });
});

describe('secure by default', () => {
  const front = (env: Record<string, string>) =>
    spawn(process.execPath, [cliPath, 'front'], {
      env: { ...baseEnv(), REDIS_URL: af.fleet.redis.url, KEY_PREFIX: `sd${Date.now()}`, ...env },
    });

  test('a front node on a public address without authentication refuses to start; AUTH_ALLOW_ANONYMOUS=true starts it', async () => {
    const port = String(await freePort());
    const refused = front({ HOST: '0.0.0.0', PORT: port });
    let err = '';
    refused.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => refused.on('exit', resolve));
    assert.equal(code, 2);
    assert.match(err, /refusing to listen on 0\.0\.0\.0 without authentication/);

    const allowed = front({ HOST: '0.0.0.0', PORT: port, AUTH_ALLOW_ANONYMOUS: 'true', ALLOWED_HOSTS: 'localhost' });
    try {
      let out = '';
      allowed.stdout.on('data', (d) => (out += d));
      await eventually(() => out.includes('front ready'), 10_000, 'the front node starting');
      assert.match(out, /no authentication configured/);
    } finally {
      allowed.kill('SIGKILL');
    }
  });
});
