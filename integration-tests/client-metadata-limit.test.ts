// What a client says about itself is stored with its session and copied into every job, so it is bounded
// (MAX_CLIENT_METADATA_BYTES): an initialize — or a 2026-07-28 request's _meta envelope — carrying more is refused
// with -32602 and a message that says what to shrink; ordinary clients are not affected.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ACCEPT_BOTH,
  SseReader,
  post,
  rpcRequest,
  startFleet,
  type Fleet,
  type JsonRpcErrorBody,
} from './harness/index.ts';
import { modernFetch } from './harness/modern.ts';

const LIMIT = 4096;
let fleet: Fleet;

before(async () => {
  fleet = await startFleet({ fronts: 1, workers: 1, env: { MAX_CLIENT_METADATA_BYTES: String(LIMIT) } });
});

after(async () => {
  await fleet?.stop();
});

const big = 'x'.repeat(LIMIT);
const init = (id: number, clientInfo: Record<string, unknown>, capabilities: Record<string, unknown> = {}) =>
  rpcRequest('initialize', { protocolVersion: '2025-11-25', capabilities, clientInfo }, id);

async function assertTooLarge(res: Response, id: string | number, what: RegExp): Promise<void> {
  const text = await res.text();
  assert.equal(res.status, 400, text);
  const body = JSON.parse(text) as JsonRpcErrorBody;
  assert.equal(body.id, id);
  assert.equal(body.error.code, -32602);
  assert.match(body.error.message, what);
  assert.match(body.error.message, new RegExp(`over the limit of ${LIMIT} \\(MAX_CLIENT_METADATA_BYTES\\)`));
}

test('initialize with an oversized clientInfo is refused (400 -32602), and no session is created', async () => {
  const res = await post(fleet.front('a').url, init(1, { name: 'fat', version: '1', description: big }));
  assert.equal(res.headers.get('mcp-session-id'), null);
  await assertTooLarge(res, 1, /^Invalid params: initialize's clientInfo and capabilities take \d+ bytes of JSON/);
  assert.equal(await fleet.redisClient().zcard(`${fleet.keyPrefix}:sessions`), 0);
});

test('initialize with an oversized capabilities.experimental is refused the same way', async () => {
  const res = await post(
    fleet.front('a').url,
    init(2, { name: 'ok', version: '1' }, { experimental: { blob: { data: big } } }),
  );
  await assertTooLarge(res, 2, /capabilities\.experimental entries are the usual cause/);
});

test('an ordinary initialize is accepted', async () => {
  const res = await post(
    fleet.front('a').url,
    init(3, { name: 'normal', version: '1.0.0' }, { roots: { listChanged: true }, experimental: { x: { y: 1 } } }),
  );
  await res.text();
  assert.equal(res.status, 200);
  assert.ok(res.headers.get('mcp-session-id'));
});

test('the legacy transport: an oversized initialize POSTed to /messages is refused with its id', async () => {
  const base = fleet.front('a').url.replace(/\/mcp$/, '');
  const ac = new AbortController();
  const sse = await fetch(`${base}/sse`, { headers: { accept: 'text/event-stream' }, signal: ac.signal });
  const reader = new SseReader(sse);
  const endpoint = (await reader.next())?.data;
  assert.ok(endpoint, 'the endpoint event');
  try {
    const res = await post(`${base}${endpoint}`, init(4, { name: 'fat', version: '1', description: big }), {
      accept: ACCEPT_BOTH,
    });
    await assertTooLarge(res, 4, /initialize's clientInfo and capabilities/);
  } finally {
    ac.abort();
  }
});

test('2026-07-28: a request whose _meta envelope carries oversized client metadata is refused', async () => {
  const res = await modernFetch(fleet.front('a').url, {
    id: 'm1',
    method: 'tools/list',
    envelope: { capabilities: { experimental: { blob: { data: big } } } },
  });
  await assertTooLarge(res, 'm1', /^Invalid params: the _meta clientInfo and clientCapabilities take \d+ bytes/);
  const ok = await modernFetch(fleet.front('a').url, { id: 'm2', method: 'tools/list' });
  await ok.text();
  assert.equal(ok.status, 200, 'an ordinary envelope passes');
});
