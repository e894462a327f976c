// The request planner, on a front node of its own (fastify.inject, a real Redis, no worker): both eras get the same
// answers from the one method table; where the eras differ, they differ as the catalogue says; a call that needs a
// worker becomes the job the planner builds, the same for both eras but for its origin.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Queue } from 'bullmq';
import { loadConfig, startRedis, type CallJob, type RunningRedis } from '@mcp-fleet/shared';
import { buildApp, createFrontDeps } from '../src/app.ts';
import type { FrontDeps } from '../src/deps.ts';
import { ANONYMOUS } from '../src/auth/authenticator.ts';
import { MODERN_HANDLED } from '../src/modern/modern-server.ts';
import { modernOrigin, sessionOrigin } from '../src/protocol/origin.ts';
import { METHODS, planRequest } from '../src/protocol/planner.ts';
import { modernMessage, type JsonObject } from '../../../integration-tests/harness/modern.ts';

const QUEUE = 'planner-test';
let redis: RunningRedis;
let deps: FrontDeps;
let closeDeps: () => Promise<void>;
let app: FastifyInstance;

/** What one worker would publish: enough for every branch of the table. */
const WORKER_CATALOG = {
  workerId: 'w1',
  queue: QUEUE,
  seenAt: Date.now() + 3_600_000,
  tools: [
    {
      name: 'echo',
      description: 'echo',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
    },
  ],
  resources: [{ uri: 'note://current', name: 'note' }],
  resourceTemplates: [{ uriTemplate: 'greeting://{name}', name: 'greeting', completable: ['name'] }],
  prompts: [{ name: 'summarize', description: 's', arguments: [{ name: 'text', required: true }], completable: [] }],
};

before(async () => {
  redis = await startRedis({ localOnly: true });
  const config = loadConfig({ REDIS_URL: redis.url, KEY_PREFIX: 'planner', LOG_LEVEL: 'silent', QUEUE });
  ({ deps, close: closeDeps } = await createFrontDeps(config));
  await deps.redis.hset(deps.keys.catalog(), 'w1', JSON.stringify(WORKER_CATALOG));
  await deps.catalog.reload();
  app = buildApp(deps);
  await app.ready();
});

after(async () => {
  await app?.close();
  await closeDeps?.();
  await redis?.stop();
});

let sessionId = '';
async function session(): Promise<string> {
  if (sessionId) return sessionId;
  const res = await app.inject({
    method: 'POST',
    url: '/mcp',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    payload: {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    },
  });
  assert.equal(res.statusCode, 200, res.body);
  sessionId = String(res.headers['mcp-session-id']);
  return sessionId;
}

/** The JSON-RPC message of a body that is JSON or one SSE stream. */
function messageOf(body: string): JsonObject {
  const data = body.trim().startsWith('{')
    ? body
    : body
        .split('\n')
        .filter((l) => l.startsWith('data: ') && l.length > 7)
        .map((l) => l.slice(6))
        .pop();
  return JSON.parse(data ?? 'null') as JsonObject;
}

interface Answer {
  status: number;
  message: JsonObject & { result?: JsonObject; error?: { code: number; message: string }; id?: unknown };
}

async function sessionCall(id: number, method: string, params: JsonObject): Promise<Answer> {
  const sid = await session();
  const res = await app.inject({
    method: 'POST',
    url: '/mcp',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': sid,
      'mcp-protocol-version': '2025-11-25',
    },
    payload: { jsonrpc: '2.0', id, method, params },
  });
  return { status: res.statusCode, message: messageOf(res.body) };
}

async function modernCall(id: number, method: string, params: JsonObject): Promise<Answer> {
  const { body, headers } = modernMessage({ id, method, params });
  const res = await app.inject({ method: 'POST', url: '/mcp', headers, payload: body });
  return { status: res.statusCode, message: messageOf(res.body) };
}

const ERAS = { session: sessionCall, modern: modernCall } as const;

describe('one method table, both eras', () => {
  test('every method the 2026-07-28 handler registers is one the planner serves in that era, and back', () => {
    const modern = Object.entries(METHODS)
      .filter(([, spec]) => spec.eras.includes('modern'))
      .map(([m]) => m)
      .sort();
    assert.deepEqual([...MODERN_HANDLED].sort(), modern);
  });

  for (const [era, call] of Object.entries(ERAS)) {
    test(`${era}: lists come from the catalog; a bad cursor is -32602 for that id`, async () => {
      const tools = await call(11, 'tools/list', {});
      assert.deepEqual(
        ((tools.message.result?.tools ?? []) as { name: string }[]).map((t) => t.name),
        ['echo'],
        JSON.stringify(tools.message),
      );
      const bad = await call(12, 'tools/list', { cursor: 'not-ours' });
      assert.equal(bad.message.error?.code, -32602, JSON.stringify(bad.message));
      assert.equal(bad.message.id, 12);
    });

    test(`${era}: invalid arguments are an isError result, costing no worker`, async () => {
      const queue = new Queue(QUEUE, { connection: deps.redis, prefix: deps.keys.bullPrefix() });
      const before = await queue.count();
      const r = await call(21, 'tools/call', { name: 'echo', arguments: { text: 5 } });
      assert.equal(r.message.result?.isError, true, JSON.stringify(r.message));
      assert.match(JSON.stringify(r.message.result?.content), /Invalid arguments for tool echo/);
      assert.equal(await queue.count(), before, 'no job enqueued');
      await queue.close();
    });

    test(`${era}: an unknown tool, a prompt without its required argument, an unknown completion ref → -32602 with the id`, async () => {
      for (const [id, method, params] of [
        [31, 'tools/call', { name: 'nope', arguments: {} }],
        [32, 'prompts/get', { name: 'summarize', arguments: {} }],
        [33, 'completion/complete', { ref: { type: 'ref/prompt', name: 'nope' }, argument: { name: 'a', value: '' } }],
      ] as const) {
        const r = await call(id, method, params);
        assert.equal(r.message.error?.code, -32602, `${method}: ${JSON.stringify(r.message)}`);
        assert.equal(r.message.id, id, `${method}: the request's id`);
      }
      const prompt = await call(34, 'prompts/get', { name: 'summarize', arguments: {} });
      assert.match(prompt.message.error?.message ?? '', /Prompt summarize needs the argument\(s\): text/);
    });

    test(`${era}: completing an argument without a completer answers at once, empty`, async () => {
      const r = await call(41, 'completion/complete', {
        ref: { type: 'ref/prompt', name: 'summarize' },
        argument: { name: 'text', value: 'x' },
      });
      assert.deepEqual((r.message.result as JsonObject | undefined)?.completion, {
        values: [],
        total: 0,
        hasMore: false,
      });
    });
  }

  test('an unknown resource: -32002 for the session era, -32602 for 2026-07-28 (one entry, a code per era)', async () => {
    const legacy = await sessionCall(51, 'resources/read', { uri: 'nope://x' });
    const modern = await modernCall(52, 'resources/read', { uri: 'nope://x' });
    assert.equal(legacy.message.error?.code, -32002, JSON.stringify(legacy.message));
    assert.equal(modern.message.error?.code, -32602, JSON.stringify(modern.message));
    assert.equal(legacy.message.error?.message, modern.message.error?.message);
  });

  test('methods 2026-07-28 removed: served for sessions, 404 -32601 for modern requests', async () => {
    assert.deepEqual((await sessionCall(61, 'ping', {})).message.result, {});
    const modern = await modernCall(62, 'ping', {});
    assert.equal(modern.status, 404);
    assert.equal(modern.message.error?.code, -32601);
    assert.equal(modern.message.id, 62);
  });
});

describe('the job the planner builds', () => {
  test('is the same for both eras but for the origin: namespace, log level and retention', async () => {
    const sid = await session();
    const record = await deps.sessions.touch(sid, ANONYMOUS.principal);
    assert.ok(record);
    const req = {
      id: 71,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'hi' }, _meta: { progressToken: 'p' } },
    };
    const legacy = await planRequest(deps, sessionOrigin(deps, record, {}), req);
    const modern = await planRequest(
      deps,
      modernOrigin(deps, { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' }, {}, ANONYMOUS),
      req,
    );
    assert.equal(legacy.kind, 'job');
    assert.equal(modern.kind, 'job');
    if (legacy.kind !== 'job' || modern.kind !== 'job') return;
    const same = (j: Omit<CallJob, 'streamId' | 'jobId'>) => ({
      method: j.method,
      target: j.target,
      params: j.params,
      requestId: j.requestId,
      progressToken: j.progressToken,
      maxEvents: j.retention.maxEvents,
    });
    assert.deepEqual(same(legacy.job), same(modern.job));
    assert.equal(legacy.queue, QUEUE);
    assert.equal(legacy.job.session.sessionId, sid, 'a session-era call lives under its session');
    assert.notEqual(modern.job.session.sessionId, sid, 'a modern call gets a namespace of its own');
    assert.equal(legacy.job.protocolVersion, '2025-11-25');
    assert.equal(modern.job.protocolVersion, '2026-07-28');
    assert.equal(legacy.job.logLevel, undefined, 'a session without logging/setLevel: the server default');
    assert.equal(modern.job.logLevel, 'none', 'a modern request without a logLevel: no logs');
    assert.equal(legacy.job.retention.sessionTtlMs, deps.config.SESSION_TTL_SECONDS * 1000);
    assert.equal(modern.job.retention.sessionTtlMs, deps.config.STREAM_TTL_SECONDS * 1000);
  });
});

describe('every error response carries the request id (session era, HTTP errors included)', () => {
  const base = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const cases: [string, Record<string, string>, number, number][] = [
    ['a foreign Origin', { origin: 'http://evil.example' }, 403, -32000],
    ['Accept without application/json', { accept: 'text/html' }, 406, -32000],
    ['an unsupported MCP-Protocol-Version', { 'mcp-protocol-version': '1999-01-01' }, 400, -32000],
    ['no Mcp-Session-Id', {}, 400, -32000],
    ['an unknown session', { 'mcp-session-id': 'no-such-session' }, 404, -32001],
  ];
  for (const [what, headers, status, code] of cases) {
    test(`${what} → ${status} ${code}, id 81`, async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/mcp',
        headers: { ...base, ...headers },
        payload: { jsonrpc: '2.0', id: 81, method: 'tools/list', params: {} },
      });
      assert.equal(res.statusCode, status, res.body);
      const body = JSON.parse(res.body) as { id: unknown; error: { code: number } };
      assert.equal(body.error.code, code);
      assert.equal(body.id, 81);
    });
  }

  test('a body that is not JSON has no readable id: 400 -32700, id null', async () => {
    const res = await app.inject({ method: 'POST', url: '/mcp', headers: base, payload: '{"jsonrpc":' });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(JSON.parse(res.body).id, null);
  });

  test('initialize with invalid params → 400 -32602 for its id', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/mcp',
      headers: base,
      payload: { jsonrpc: '2.0', id: 'init-1', method: 'initialize', params: { protocolVersion: 5 } },
    });
    assert.equal(res.statusCode, 400, res.body);
    const body = JSON.parse(res.body) as { id: unknown; error: { code: number } };
    assert.deepEqual([body.id, body.error.code], ['init-1', -32602]);
  });
});
