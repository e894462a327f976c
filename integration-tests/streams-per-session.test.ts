// Open SSE streams per session are capped fleet-wide (MAX_STREAMS_PER_SESSION): GET streams and streamed POST
// answers held on two front nodes count together; the next gets 429 with Retry-After (a tools/call refused so is
// never run); a closed stream frees its place, and so, within its lease, does every stream of a node that died.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  eventually,
  getStream,
  openSession,
  post,
  rpcRequest,
  startFleet,
  type Fleet,
  type JsonRpcErrorBody,
  type RawSession,
} from './harness/index.ts';

const CAP = 3;
const KEEPALIVE_MS = 1000;
let fleet: Fleet;
let session: RawSession;
const open: AbortController[] = [];

before(async () => {
  fleet = await startFleet({
    fronts: 2,
    workers: 1,
    env: { MAX_STREAMS_PER_SESSION: String(CAP), SSE_KEEPALIVE_MS: String(KEEPALIVE_MS) },
  });
  session = await openSession(fleet.front('a').url);
});

after(async () => {
  for (const ac of open) ac.abort();
  await fleet?.stop();
});

/** Opens a GET stream (the session's standalone stream) on `front` and keeps it open; the response is not read. */
async function holdGet(front: string): Promise<{ res: Response; ac: AbortController }> {
  const ac = new AbortController();
  open.push(ac);
  const res = await getStream(fleet.front(front).url, session, undefined, ac.signal);
  return { res, ac };
}

/** A long `count` call answered as SSE on `front`: a streamed POST answer held open. */
async function holdCall(front: string, id: number): Promise<{ res: Response; ac: AbortController }> {
  const ac = new AbortController();
  open.push(ac);
  const call = rpcRequest('tools/call', { name: 'count', arguments: { to: 600, intervalMs: 100 } }, id);
  const res = await post(fleet.front(front).url, call, session.headers, ac.signal);
  return { res, ac };
}

async function assertRefused(h: { res: Response; ac: AbortController }, id: number | null): Promise<void> {
  const { res } = h;
  if (res.status !== 429) h.ac.abort();
  assert.equal(res.status, 429, `expected a refusal, got ${res.status} ${res.headers.get('content-type')}`);
  const text = await res.text();
  const retry = Number(res.headers.get('retry-after'));
  assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 3, `Retry-After ${res.headers.get('retry-after')}`);
  const body = JSON.parse(text) as JsonRpcErrorBody;
  assert.equal(body.id, id);
  assert.equal(body.error.code, -32000);
  assert.equal(
    body.error.message,
    `Too Many Requests: this session already holds ${CAP} open SSE streams (MAX_STREAMS_PER_SESSION); close one, or retry after Retry-After seconds`,
  );
}

/** Retries `open` until it is admitted (200), within `ms`. */
function admittedWithin(ms: number, what: string, open: () => Promise<{ res: Response; ac: AbortController }>) {
  return eventually(
    async () => {
      const h = await open();
      if (h.res.status === 200) return h;
      await h.res.text();
      return undefined;
    },
    ms,
    what,
  );
}

let getOnA: AbortController;

test('streams held on two nodes count together (GET stream, streamed calls); the next gets 429', async () => {
  const held = [await holdGet('a'), await holdCall('b', 1), await holdCall('a', 2)];
  for (const h of held) assert.equal(h.res.status, 200);
  getOnA = held[0]!.ac;
  await assertRefused(await holdGet('b'), null);
});

test('a streamed tools/call over the cap is refused with its id, and never runs', async () => {
  await assertRefused(await holdCall('b', 7), 7);
  const inflight = `${fleet.keyPrefix}:{anon:${session.sessionId}}:inflight`;
  assert.equal(await fleet.redisClient().hexists(inflight, '7'), 0, 'call 7 was not started');
  // Requests the front answers as JSON hold no stream and still pass.
  const list = await post(fleet.front('b').url, rpcRequest('tools/list', undefined, 8), session.headers);
  assert.equal(list.status, 200, await list.text());
});

test('closing a stream frees its place (on any node)', async () => {
  getOnA.abort();
  const next = await admittedWithin(5_000, 'a GET stream once one closed', () => holdGet('b'));
  assert.equal(next?.res.status, 200);
});

test('a node killed with streams open: its streams stop counting within their lease', async () => {
  // front-a holds one of the three now (call 2); front-b two (call 1, the GET stream).
  await assertRefused(await holdCall('b', 9), 9);
  await fleet.front('a').kill('SIGKILL');
  const started = Date.now();
  const next = await admittedWithin(3 * KEEPALIVE_MS + 5_000, "a call once the dead node's lease lapsed", () =>
    holdCall('b', 10),
  );
  assert.equal(next?.res.status, 200);
  assert.ok(Date.now() - started <= 3 * KEEPALIVE_MS + 5_000);
  await assertRefused(await holdCall('b', 11), 11);
});
