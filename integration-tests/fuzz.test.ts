// Bad input never breaks the service: thousands of random requests — JSON-RPC bodies valid, nearly valid and not
// at all, with random header combinations — against both eras and the legacy transport of a real fleet (a front
// node and a worker, separate processes). Every answer is a JSON-RPC message (or an empty 202), never a 5xx other
// than a documented 503; and when the run is over, the fleet keeps no state it has no owner or TTL for.
// Seeded and reproducible: FUZZ_SEED=<n> (printed every run) replays a run; FUZZ_RUNS=<n> (default 5000).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startFleet, type Fleet } from './harness/fleet.ts';
import { ACCEPT_BOTH, SseReader, eventually, openSession, sleep, type RawSession } from './harness/http.ts';
import { modernMessage } from './harness/modern.ts';

const SEED = Number(process.env.FUZZ_SEED) || Math.floor(Math.random() * 2 ** 31);
const RUNS = Number(process.env.FUZZ_RUNS) || 5000;
let fleet: Fleet;
let session: RawSession;
let legacySessionId = '';
let legacyStream: SseReader | undefined;
let base = '';

before(async () => {
  console.log(`[fuzz] FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`);
  fleet = await startFleet({ fronts: 1, workers: 1 });
  base = new URL(fleet.front('a').url).origin;
  session = await openSession(fleet.front('a').url);
  const sse = await fetch(`${base}/sse`, { headers: { accept: 'text/event-stream' } });
  legacyStream = new SseReader(sse);
  const endpoint = await legacyStream.next(5000);
  legacySessionId = new URL(String(endpoint?.data), base).searchParams.get('sessionId') ?? '';
  await fetch(`${base}/messages?sessionId=${legacySessionId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'fuzz', version: '0' } },
    }),
  });
});
after(async () => {
  await legacyStream?.cancel();
  await fleet?.stop();
});

/** Methods worth sending: every one the server knows, some it does not, and tools that end quickly. */
const METHODS = [
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'resources/subscribe',
  'resources/unsubscribe',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
  'server/discover',
  'subscriptions/listen',
  'notifications/initialized',
  'notifications/cancelled',
  'no/such/method',
  '',
];
/** Mostly the right value, sometimes one of the wrong ones (or none). */
const mostly = <T>(right: T, ...wrong: fc.Arbitrary<T>[]) =>
  fc.oneof({ weight: 8, arbitrary: fc.constant(right) }, ...wrong.map((arbitrary) => ({ weight: 1, arbitrary })));
const QUICK_TOOLS = ['echo', 'fail', 'add', 'log_levels', 'whoami', 'nope', 'count'];

const id = fc.oneof(fc.integer(), fc.string({ maxLength: 12 }), fc.constant(null), fc.jsonValue({ maxDepth: 1 }));
const anyParams = fc.oneof(
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }),
  fc.jsonValue({ maxDepth: 2 }),
);
/** Params shaped like the method's, with values that are right, wrong or absent. */
const shapedParams = fc.record(
  {
    name: fc.oneof(
      fc.constantFrom(...QUICK_TOOLS, 'summarize', 'greeting'),
      fc.string({ maxLength: 10 }),
      fc.integer(),
    ),
    arguments: fc.oneof(
      fc.record({ text: fc.oneof(fc.string({ maxLength: 20 }), fc.integer()) }),
      fc.record({ a: fc.double(), b: fc.integer() }),
      // count only with tiny values, so a valid call ends at once
      fc.record({ to: fc.integer({ min: -1, max: 3 }), intervalMs: fc.integer({ min: 0, max: 5 }) }),
      fc.jsonValue({ maxDepth: 3 }),
    ),
    uri: fc.oneof(fc.constantFrom('note://current', 'greeting://Ada', 'greeting://%zz', 'nope://x'), fc.string()),
    cursor: fc.oneof(fc.string({ maxLength: 10 }), fc.integer()),
    level: fc.oneof(fc.constantFrom('debug', 'info', 'error', 'loud'), fc.integer()),
    requestId: id,
    ref: fc.oneof(
      fc.record({ type: fc.constant('ref/prompt'), name: fc.string({ maxLength: 10 }) }),
      fc.record({ type: fc.constant('ref/resource'), uri: fc.constant('greeting://{name}') }),
      fc.jsonValue({ maxDepth: 1 }),
    ),
    argument: fc.oneof(
      fc.record({ name: fc.string({ maxLength: 5 }), value: fc.string({ maxLength: 5 }) }),
      fc.integer(),
    ),
    _meta: fc.oneof(
      fc.record({ progressToken: fc.oneof(fc.string({ maxLength: 5 }), fc.integer()) }),
      fc.constantFrom(7, 'meta', true, null),
      fc.record({ 'io.modelcontextprotocol/protocolVersion': fc.constantFrom('2026-07-28', '1999-01-01', 'v9') }),
    ),
    protocolVersion: fc.constantFrom('2025-11-25', '2024-11-05', '1.0'),
  },
  { requiredKeys: [] },
);
const message = fc.record(
  {
    jsonrpc: mostly<unknown>('2.0', fc.constant('1.0'), fc.integer()),
    id: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1 }) }, id),
    method: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...METHODS) }, fc.string({ maxLength: 15 })),
    params: fc.oneof(shapedParams, anyParams),
    result: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: ['jsonrpc', 'method'] },
);
const body = fc.oneof(
  { weight: 6, arbitrary: message.map((m) => JSON.stringify(m)) },
  { weight: 1, arbitrary: fc.array(message, { maxLength: 4 }).map((a) => JSON.stringify(a)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 1, arbitrary: fc.nat({ max: 80 }).map((d) => '['.repeat(d) + ']'.repeat(d)) },
);
/** Headers that are right, wrong, or missing. */
const headers = fc.record(
  {
    'content-type': mostly('application/json', fc.constantFrom('text/plain', 'application/json; charset=utf-8')),
    accept: mostly(ACCEPT_BOTH, fc.constantFrom('application/json', 'text/event-stream', 'text/html', '*/*')),
    'mcp-protocol-version': mostly('2025-11-25', fc.constantFrom('2025-03-26', '2026-07-28', '1999-01-01', 'v999', '')),
    session: mostly('valid', fc.constantFrom('garbage', 'none')),
    origin: mostly('http://localhost:1', fc.constantFrom('http://evil.example', 'not a url')),
    'mcp-method': fc.oneof(fc.constantFrom(...METHODS), fc.string({ maxLength: 10 })),
    'mcp-name': fc.string({ maxLength: 10 }),
    'mcp-param-region': fc.constantFrom('=?base64?SGVsbG8=?=', '=?base64?bad*?=', 'plain'),
    'last-event-id': fc.constantFrom('abc:1', 'garbage', '::'),
  },
  { requiredKeys: ['content-type', 'accept', 'mcp-protocol-version', 'session'] },
);
const modern = fc.record({
  method: fc.constantFrom(...METHODS),
  params: shapedParams,
  tweak: fc.constantFrom('none', 'drop-method-header', 'wrong-name', 'no-envelope', 'bad-version'),
});
const request = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('session' as const),
      http: fc.constantFrom('POST', 'POST', 'GET', 'DELETE'),
      body,
      headers,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('modern' as const), modern }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('legacy' as const),
      body,
      query: fc.constantFrom('valid', 'none', 'twice', 'garbage'),
    }),
  },
);

type Req = typeof request extends fc.Arbitrary<infer T> ? T : never;

function toFetch(r: Req): { url: string; init: RequestInit } {
  if (r.kind === 'modern') {
    const m = modernMessage({ method: r.modern.method, params: r.modern.params as Record<string, unknown> });
    const h = { ...m.headers };
    if (r.modern.tweak === 'drop-method-header') delete h['mcp-method'];
    if (r.modern.tweak === 'wrong-name') h['mcp-name'] = 'not-the-name';
    if (r.modern.tweak === 'bad-version') h['mcp-protocol-version'] = '2099-01-01';
    if (r.modern.tweak === 'no-envelope') delete (m.body.params as Record<string, unknown>)._meta;
    return { url: `${base}/mcp`, init: { method: 'POST', headers: h, body: JSON.stringify(m.body) } };
  }
  if (r.kind === 'legacy') {
    const q = {
      valid: `?sessionId=${legacySessionId}`,
      none: '',
      twice: `?sessionId=${legacySessionId}&sessionId=x`,
      garbage: '?sessionId=%%',
    }[r.query];
    return {
      url: `${base}/messages${q}`,
      init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: r.body },
    };
  }
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) if (k !== 'session' && v !== undefined && v !== '') h[k] = v;
  if (r.headers.session === 'valid') h['mcp-session-id'] = session.sessionId;
  if (r.headers.session === 'garbage') h['mcp-session-id'] = 'no-such-session';
  const init: RequestInit = { method: r.http, headers: h };
  if (r.http === 'POST') init.body = r.body;
  return { url: `${base}/mcp`, init };
}

const problems: string[] = [];
let seen = 0;
const statuses = new Map<number, number>();
const codes = new Map<number, number>();

/** The id of a single JSON object body, when it is a string or a number. */
function readableIdOf(text: string): string | number | undefined {
  try {
    const v = JSON.parse(text) as { id?: unknown };
    if (
      typeof v === 'object' &&
      v !== null &&
      !Array.isArray(v) &&
      (typeof v.id === 'string' || typeof v.id === 'number')
    ) {
      return v.id;
    }
  } catch {
    // not JSON
  }
  return undefined;
}

function isJsonRpcMessage(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const m = v as Record<string, unknown>;
  if (m.jsonrpc !== '2.0') return false;
  if ('error' in m) {
    const e = m.error as { code?: unknown; message?: unknown };
    return Number.isInteger(e?.code) && typeof e?.message === 'string' && 'id' in m;
  }
  return 'result' in m || typeof m.method === 'string';
}

/** Sends one request and checks what came back; returns a problem, or undefined. */
async function check(r: Req): Promise<string | undefined> {
  const { url, init } = toFetch(r);
  const res = await fetch(url, init);
  seen++;
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  const what = `${init.method} ${url.replace(base, '')} ${JSON.stringify(init.headers)} ${String(init.body ?? '').slice(0, 300)}`;
  const type = (res.headers.get('content-type') ?? '').split(';')[0];
  if (res.status >= 500 && res.status !== 503)
    return `HTTP ${res.status} for ${what}: ${(await res.text()).slice(0, 300)}`;
  if (type === 'text/event-stream') {
    const reader = new SseReader(res);
    // A GET stream stays open (the session's); a POST's stream ends with its answer.
    const frames = init.method === 'GET' ? [await reader.next(5000)].filter(Boolean) : await reader.readToEnd(15_000);
    await reader.cancel();
    for (const f of frames) {
      if (!f!.data) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(f!.data);
      } catch {
        return `an SSE event that is not JSON for ${what}: ${f!.raw}`;
      }
      if (!isJsonRpcMessage(parsed)) return `an SSE event that is not JSON-RPC for ${what}: ${f!.raw}`;
    }
    return undefined;
  }
  const text = await res.text();
  if (res.status === 202 || res.status === 204)
    return text === '' || text === 'Accepted' ? undefined : `a ${res.status} with a body for ${what}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `HTTP ${res.status} with a body that is not JSON for ${what}: ${text.slice(0, 200)}`;
  }
  if (res.status === 200 && init.method === 'DELETE') {
    // The session was ended: later requests get a fresh one (a DELETE ends it for every request after it).
    if (r.kind === 'session' && r.headers.session === 'valid') session = await openSession(fleet.front('a').url);
    return undefined; // DELETE answers {}
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  for (const m of items) {
    const code = (m as { error?: { code?: number } })?.error?.code;
    if (typeof code === 'number') codes.set(code, (codes.get(code) ?? 0) + 1);
    if (code === -32603 && process.env.FUZZ_SHOW) console.log(`[fuzz] -32603 for ${what}: ${text.slice(0, 300)}`);
  }
  if (!items.every(isJsonRpcMessage)) return `HTTP ${res.status}, not JSON-RPC, for ${what}: ${text.slice(0, 300)}`;
  // An error answers the request's id whenever the request had a readable one.
  const asked = readableIdOf(String(init.body ?? ''));
  const answer = items[0] as { id?: unknown; error?: { code: number } };
  if (!Array.isArray(parsed) && answer.error && asked !== undefined && answer.id !== asked) {
    return `an error without the request's id ${JSON.stringify(asked)} for ${what}: ${text.slice(0, 300)}`;
  }
  if (res.status === 503 && !res.headers.get('retry-after')) return `a 503 without Retry-After for ${what}`;
  return undefined;
}

test(`${RUNS} random requests: JSON-RPC answers only, no 5xx, nothing left behind`, async () => {
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      const problem = await check(r);
      if (problem) problems.push(problem);
      return problem === undefined;
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
  console.log(
    `[fuzz] ${seen} requests; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}; codes ${JSON.stringify(Object.fromEntries([...codes].sort()))}`,
  );
  assert.deepEqual(problems, []);
});

test('no state left behind: every key has a TTL or an owner, no call is still in flight', async () => {
  const redis = fleet.redisClient('fuzz');
  const prefix = fleet.keyPrefix;
  // Calls the fuzz started have all ended (nothing queued or running).
  await eventually(
    async () =>
      (await redis.llen(`${prefix}:bull:tools:active`)) + (await redis.llen(`${prefix}:bull:tools:wait`)) === 0,
    15_000,
    'no job queued or running',
  );
  await sleep(500);
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  // Keys with an owner that removes them (docs/architecture.md, key schema).
  const owned = [/:{catalog}$/, /:{catalog}:rev$/, /:{apikeys}/, /:sessions$/, /:mrtr:key$/, /:bull:/];
  const unbounded: string[] = [];
  const inflight: string[] = [];
  for (const key of keys) {
    if (owned.some((re) => re.test(key))) continue;
    if ((await redis.pttl(key)) < 0) unbounded.push(key);
    if (key.endsWith(':inflight') && (await redis.hlen(key)) > 0)
      inflight.push(`${key}: ${JSON.stringify(await redis.hgetall(key))}`);
  }
  console.log(`[fuzz] ${keys.length} keys after the run`);
  assert.deepEqual(unbounded, [], 'keys without a TTL and without an owner');
  assert.deepEqual(inflight, [], 'requests recorded in flight after every call ended');
});
