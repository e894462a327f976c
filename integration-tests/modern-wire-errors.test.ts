// The 2026-07-28 wire rules on /mcp, raw: every header/_meta error with its HTTP status and JSON-RPC code, on both
// front nodes; then a session-era (v1 SDK) client and a modern (v2 SDK) client side by side on the same fleet and
// endpoint, neither disturbing the other.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ElicitRequestSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { mediaType, readJson, startFleet, type Fleet } from './harness/index.ts';
import { connectVersioned, resultText, settle, type VersionedClient } from './harness/versions.ts';
import {
  META_KEYS,
  MODERN_VERSION,
  alternate,
  complaints,
  connectModern,
  modernCall,
  modernFetch,
  modernMessage,
  resultOf,
  textOf,
  type JsonObject,
  type ModernClient,
  type ModernRequest,
} from './harness/modern.ts';

let fleet: Fleet;

before(async () => {
  fleet = await startFleet({ fronts: 2, workers: 1 });
});

after(async () => {
  for (const f of fleet?.fronts ?? []) {
    const c = complaints(f.proc);
    if (c.length) console.log(`[modern-wire-errors] ${f.nodeId} warnings/stderr:\n${c.join('\n')}`);
  }
  await fleet?.stop();
});

const b64 = (s: string) => `=?base64?${Buffer.from(s, 'utf8').toString('base64')}?=`;

/** POSTs `req`, with its body and headers changed by `tweak`, and returns status and parsed body. */
async function send(
  url: string,
  req: ModernRequest,
  tweak?: (m: { body: JsonObject; headers: Record<string, string> }) => void,
) {
  const m = modernMessage(req);
  tweak?.(m);
  const res = await fetch(url, { method: 'POST', headers: m.headers, body: JSON.stringify(m.body) });
  const body = (await readJson(res)) as JsonObject;
  return {
    status: res.status,
    type: mediaType(res),
    body,
    id: m.body.id,
    error: body.error as { code: number; message: string; data?: JsonObject } | undefined,
  };
}

interface ErrorCase {
  what: string;
  req: ModernRequest;
  tweak?: (m: { body: JsonObject; headers: Record<string, string> }) => void;
  status: number;
  code: number;
  message?: RegExp;
  data?: (data: JsonObject | undefined) => void;
}

const toolsCall = (name: string, args: JsonObject, env: ModernRequest['envelope'] = {}): ModernRequest => ({
  method: 'tools/call',
  params: { name, arguments: args },
  envelope: env,
});

const CASES: ErrorCase[] = [
  {
    what: 'Mcp-Method header names another method than the body',
    req: { method: 'tools/list', headers: { 'mcp-method': 'server/discover' } },
    status: 400,
    code: -32020,
    message: /Mcp-Method/,
  },
  {
    what: 'Mcp-Method header missing',
    req: { method: 'tools/list' },
    tweak: (m) => delete m.headers['mcp-method'],
    status: 400,
    code: -32020,
    message: /Mcp-Method/,
  },
  {
    what: 'Mcp-Name header names another tool than params.name',
    req: { ...toolsCall('count', { to: 1 }), headers: { 'mcp-name': 'echo' } },
    status: 400,
    code: -32020,
    message: /Mcp-Name/,
  },
  {
    what: 'Mcp-Name header missing on tools/call',
    req: toolsCall('echo', { text: 'x' }),
    tweak: (m) => delete m.headers['mcp-name'],
    status: 400,
    code: -32020,
    message: /Mcp-Name/,
  },
  {
    what: 'Mcp-Name names another prompt than params.name',
    req: {
      method: 'prompts/get',
      params: { name: 'summarize', arguments: { text: 't' } },
      headers: { 'mcp-name': 'other' },
    },
    status: 400,
    code: -32020,
  },
  {
    what: 'Mcp-Name names another URI than resources/read params.uri',
    req: { method: 'resources/read', params: { uri: 'greeting://Ada' }, headers: { 'mcp-name': 'greeting://Alan' } },
    status: 400,
    code: -32020,
  },
  {
    what: 'a base64 Mcp-Name that decodes to another name',
    req: { ...toolsCall('echo', { text: 'x' }), headers: { 'mcp-name': b64('count') } },
    status: 400,
    code: -32020,
    message: /count/,
  },
  {
    what: 'an unknown method',
    req: { method: 'no/such/method' },
    status: 404,
    code: -32601,
  },
  {
    what: 'a session-era method (logging/setLevel) in the modern era',
    req: { method: 'logging/setLevel', params: { level: 'debug' } },
    status: 404,
    code: -32601,
  },
  {
    what: 'an unsupported version (header and _meta 2027-01-01)',
    req: { method: 'tools/list', envelope: { version: '2027-01-01' } },
    status: 400,
    code: -32022,
    data: (d) => {
      assert.ok(
        Array.isArray(d?.supported) && d.supported.includes(MODERN_VERSION),
        `data.supported: ${JSON.stringify(d)}`,
      );
      assert.equal(d?.requested, '2027-01-01');
    },
  },
  {
    what: 'the _meta version disagrees with the header',
    req: { method: 'tools/list' },
    tweak: (m) => (((m.body.params as JsonObject)._meta as JsonObject)[META_KEYS.protocolVersion] = '2027-01-01'),
    status: 400,
    code: -32020,
  },
  {
    what: 'the _meta envelope claims 2026-07-28 but the MCP-Protocol-Version header is missing',
    req: { method: 'tools/list' },
    tweak: (m) => delete m.headers['mcp-protocol-version'],
    status: 400,
    code: -32020,
    message: /MCP-Protocol-Version/,
  },
  {
    what: 'the modern header without any _meta',
    req: { method: 'tools/list', envelope: false },
    status: 400,
    code: -32602,
    message: /_meta/,
  },
  {
    what: '_meta without io.modelcontextprotocol/protocolVersion',
    req: { method: 'tools/list' },
    tweak: (m) => delete ((m.body.params as JsonObject)._meta as JsonObject)[META_KEYS.protocolVersion],
    status: 400,
    code: -32602,
    message: /protocolVersion/,
  },
  {
    what: '_meta without io.modelcontextprotocol/clientCapabilities',
    req: { method: 'tools/list' },
    tweak: (m) => delete ((m.body.params as JsonObject)._meta as JsonObject)[META_KEYS.clientCapabilities],
    status: 400,
    code: -32602,
    message: /clientCapabilities/,
  },
  {
    what: 'clientCapabilities that is not an object',
    req: { method: 'tools/list' },
    tweak: (m) => (((m.body.params as JsonObject)._meta as JsonObject)[META_KEYS.clientCapabilities] = 'all of them'),
    status: 400,
    code: -32602,
    message: /clientCapabilities/,
  },
  {
    what: 'an initialize request with the modern header',
    req: {
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '0' } },
      envelope: false,
    },
    status: 400,
    code: -32020,
  },
  {
    what: 'ask_user without the elicitation capability',
    req: toolsCall('ask_user', { question: 'q?' }),
    status: 400,
    code: -32021,
    data: (d) => assert.ok((d?.requiredCapabilities as JsonObject | undefined)?.elicitation, JSON.stringify(d)),
  },
  {
    what: 'ask_model without the sampling capability',
    req: toolsCall('ask_model', { prompt: 'p' }),
    status: 400,
    code: -32021,
    data: (d) => assert.ok((d?.requiredCapabilities as JsonObject | undefined)?.sampling, JSON.stringify(d)),
  },
  {
    what: 'list_roots without the roots capability',
    req: toolsCall('list_roots', {}),
    status: 400,
    code: -32021,
    data: (d) => assert.ok((d?.requiredCapabilities as JsonObject | undefined)?.roots, JSON.stringify(d)),
  },
];

describe('2026-07-28 header and _meta errors, on both nodes', () => {
  for (const c of CASES) {
    test(`${c.what} → ${c.status} ${c.code}`, async () => {
      for (const node of ['a', 'b']) {
        const r = await send(fleet.front(node).url, c.req, c.tweak);
        const where = `${c.what} on ${node.toUpperCase()}: ${JSON.stringify(r.body)}`;
        assert.equal(r.status, c.status, where);
        assert.equal(r.type, 'application/json', where);
        assert.equal(r.body.jsonrpc, '2.0', where);
        assert.equal(r.body.result, undefined, where);
        assert.equal(r.error?.code, c.code, where);
        assert.equal(typeof r.error?.message, 'string', where);
        assert.equal(r.body.id, r.id, `${where}: the error answers the request's id`);
        if (c.message) assert.match(r.error!.message, c.message, where);
        c.data?.(r.error!.data);
      }
    });
  }

  test('a base64 Mcp-Name that decodes to params.name is accepted (ASCII and non-ASCII)', async () => {
    for (const node of ['a', 'b']) {
      const echo = await send(fleet.front(node).url, {
        ...toolsCall('echo', { text: 'sentinel' }),
        headers: { 'mcp-name': b64('echo') },
      });
      assert.equal(echo.status, 200, JSON.stringify(echo.body));
      assert.equal(textOf(echo.body.result), 'sentinel');
      assert.equal((echo.body.result as JsonObject).resultType, 'complete');

      // A URI that cannot go in a header as is: only the sentinel form can carry it.
      const uri = 'greeting://Zoë';
      const read = await send(fleet.front(node).url, {
        method: 'resources/read',
        params: { uri },
        headers: { 'mcp-name': b64(uri) },
      });
      assert.equal(read.status, 200, JSON.stringify(read.body));
      const result = read.body.result as JsonObject;
      assert.deepEqual((result.contents as JsonObject[])[0]!.text, 'Hello, Zoë!');
      assert.equal(result.resultType, 'complete');
      assert.equal(typeof result.ttlMs, 'number');
      assert.equal(typeof result.cacheScope, 'string');
    }
  });

  test('GET and DELETE with the modern header → 405, Allow: POST', async () => {
    for (const node of ['a', 'b']) {
      for (const method of ['GET', 'DELETE']) {
        const res = await fetch(fleet.front(node).url, {
          method,
          headers: { accept: 'text/event-stream', 'mcp-protocol-version': MODERN_VERSION },
        });
        const body = (await readJson(res)) as JsonObject;
        assert.equal(res.status, 405, `${method} on ${node}: ${JSON.stringify(body)}`);
        assert.equal(res.headers.get('allow'), 'POST');
        assert.ok((body.error as JsonObject | undefined)?.code, `${method}: a JSON-RPC error body`);
      }
    }
  });

  test('a modern notification is accepted with 202 and no body', async () => {
    const { body, headers } = modernMessage({
      method: 'notifications/cancelled',
      params: { requestId: 'nothing-running' },
    });
    delete body.id;
    const res = await fetch(fleet.front('a').url, { method: 'POST', headers, body: JSON.stringify(body) });
    assert.equal(res.status, 202);
    assert.equal(await res.text(), '');
  });

  test('a well-formed modern request has no session: no Mcp-Session-Id in, none out', async () => {
    const res = await modernFetch(fleet.front('b').url, { method: 'tools/list' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('mcp-session-id'), null);
    const body = (await readJson(res)) as { result: JsonObject };
    assert.equal(body.result.resultType, 'complete');
    assert.ok(Array.isArray(body.result.tools));
  });
});

describe('the session era and the modern era side by side on one endpoint', () => {
  let v1: VersionedClient;
  let v2: ModernClient;
  const v1Asked: string[] = [];
  const v2Asked: string[] = [];

  before(async () => {
    // v1: a 2025-11-25 session, its GET stream on A, requests alternating, answers to B.
    let n = 0;
    v1 = await connectVersioned(fleet, {
      version: '2025-11-25',
      streamNode: 'a',
      route: ({ kind }) => (kind === 'response' ? 'b' : n++ % 2),
      capabilities: { elicitation: { form: {} } },
      setup: (c) => {
        c.setRequestHandler(ElicitRequestSchema, (req) => {
          v1Asked.push(req.params.message);
          return { action: 'accept', content: { answer: 'v1' } };
        });
        c.setNotificationHandler(LoggingMessageNotificationSchema, () => {});
      },
      name: 'side-by-side-v1',
    });
    v2 = await connectModern(fleet, {
      route: alternate(fleet),
      capabilities: { elicitation: { form: {} } },
      setup: (c) =>
        c.setRequestHandler('elicitation/create', async (req) => {
          v2Asked.push((req.params as { message: string }).message);
          return { action: 'accept', content: { answer: 'v2' } };
        }),
      name: 'side-by-side-v2',
    });
  });

  after(async () => {
    await v2?.close();
    await v1?.close();
  });

  test('each negotiates its own era: a session for v1, none for v2', () => {
    assert.equal(v1.negotiated, '2025-11-25');
    assert.ok(v1.sessionId, 'the v1 client holds a session');
    assert.equal(v2.client.getNegotiatedProtocolVersion(), MODERN_VERSION);
    for (const ex of v2.lb.history) {
      assert.equal(ex.headers.get('mcp-session-id'), null, `no session id sent by the v2 client (${ex.rpc})`);
      assert.equal(
        ex.responseHeaders?.get('mcp-session-id') ?? null,
        null,
        `no session id given to the v2 client (${ex.rpc})`,
      );
    }
  });

  test('concurrent calls with progress, lists, and elicitation in both eras all complete correctly', async () => {
    const p1: number[] = [];
    const p2: number[] = [];
    const [c1, c2, l1, l2, e1, e2, a1, a2] = await Promise.all([
      v1.client.callTool({ name: 'count', arguments: { to: 6, intervalMs: 30 } }, undefined, {
        onprogress: (p) => p1.push(p.progress),
      }),
      v2.client.callTool(
        { name: 'count', arguments: { to: 5, intervalMs: 30 } },
        { onprogress: (p) => p2.push(p.progress) },
      ),
      v1.client.listTools(),
      v2.client.listTools(),
      v1.client.callTool({ name: 'echo', arguments: { text: 'from v1' } }),
      v2.client.callTool({ name: 'echo', arguments: { text: 'from v2' } }),
      v1.client.callTool({ name: 'ask_user', arguments: { question: 'v1 question?' } }),
      v2.client.callTool({ name: 'ask_user', arguments: { question: 'v2 question?' } }),
    ]);
    assert.equal(resultText(c1), 'counted to 6');
    assert.equal(textOf(c2), 'counted to 5');
    assert.deepEqual(p1, [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(p2, [1, 2, 3, 4, 5]);
    assert.deepEqual(
      l1.tools.map((t) => t.name).sort(),
      l2.tools.map((t) => t.name).sort(),
      'one catalog for both eras',
    );
    assert.equal(resultText(e1), 'from v1');
    assert.equal(textOf(e2), 'from v2');
    assert.equal(resultText(a1), 'the user answered: v1');
    assert.equal(textOf(a2), 'the user answered: v2');
    assert.deepEqual(v1Asked, ['v1 question?'], 'the v1 client was asked on its stream, only its own question');
    assert.deepEqual(v2Asked, ['v2 question?'], 'the v2 client was asked by input_required, only its own question');
    // v2: the elicitation came back as input_required, then a retry; v1 answered with a JSON-RPC response POST.
    const asks = v2.lb.posts('tools/call').filter((e) => (e.body!.params as JsonObject).name === 'ask_user');
    assert.deepEqual(
      asks.map((e) => resultOf(e).resultType),
      ['input_required', 'complete'],
    );
    assert.ok(
      v1.sent.some((s) => s.kind === 'response' && s.node === 'front-b' && s.status === 202),
      'v1 answered through B',
    );
    assert.deepEqual(
      new Set(v1.sent.filter((s) => s.rpc === 'tools/call').map((s) => s.node)),
      new Set(['front-a', 'front-b']),
    );
    assert.deepEqual(new Set(v2.lb.posts('tools/call').map((s) => s.node)), new Set(['front-a', 'front-b']));
  });

  test("a session's log level stays in its session: the modern call without a level logs nothing", async () => {
    await v1.client.setLoggingLevel('warning');
    const v2Logs: string[] = [];
    v2.client.setNotificationHandler('notifications/message', (n) => {
      v2Logs.push(n.params.level);
    });
    const before = v1.notifications('notifications/message').length;
    await Promise.all([
      v1.client.callTool({ name: 'log_levels', arguments: {} }),
      v2.client.callTool({ name: 'log_levels', arguments: {} }),
    ]);
    await settle(() => v1.notifications('notifications/message').length >= before + 5, 3_000);
    const v1Levels = v1
      .notifications('notifications/message')
      .slice(before)
      .map((p) => p.level);
    assert.deepEqual(v1Levels, ['warning', 'error', 'critical', 'alert', 'emergency']);
    assert.deepEqual(v2Logs, [], 'nothing for the modern request');
  });

  test('ending the v1 session leaves the modern client working', async () => {
    const sessionId = v1.sessionId;
    assert.deepEqual(await v1.client.ping(), {});

    await v1.close();
    const gone = await fetch(fleet.front('b').url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    await gone.text();
    assert.equal(gone.status, 404, 'the ended session is gone');

    const still = await v2.client.callTool({ name: 'echo', arguments: { text: 'still modern' } });
    assert.equal(textOf(still), 'still modern');
    const discover = await modernCall(fleet.front('b').url, { method: 'server/discover' });
    assert.deepEqual(discover.result?.supportedVersions, [MODERN_VERSION]);
  });
});
