// Live sessions per principal are capped fleet-wide (MAX_SESSIONS_PER_PRINCIPAL): sessions opened on two front nodes
// count together; the next initialize (or legacy GET /sse) gets 429 with Retry-After and a JSON-RPC error saying what
// to do; a deleted, closed or expired session stops counting, and a new one is accepted.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  eventually,
  openSession,
  post,
  rpcRequest,
  sleep,
  startFleet,
  type Fleet,
  type JsonRpcErrorBody,
  type RawSession,
} from './harness/index.ts';

const CAP = 5;
const TTL_S = 10;
let fleet: Fleet;
const sessions: RawSession[] = [];

before(async () => {
  fleet = await startFleet({
    fronts: 2,
    workers: 1,
    env: { MAX_SESSIONS_PER_PRINCIPAL: String(CAP), SESSION_TTL_SECONDS: String(TTL_S) },
  });
});

after(async () => {
  await fleet?.stop();
});

const initialize = (id: number) =>
  rpcRequest(
    'initialize',
    { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'cap-test', version: '1' } },
    id,
  );

async function assertRefused(res: Response, id: number | null): Promise<void> {
  const text = await res.text();
  assert.equal(res.status, 429, text);
  const retry = Number(res.headers.get('retry-after'));
  assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 60, `Retry-After ${res.headers.get('retry-after')}`);
  const body = JSON.parse(text) as JsonRpcErrorBody;
  assert.equal(body.id, id);
  assert.equal(body.error.code, -32000);
  assert.equal(
    body.error.message,
    `Too Many Requests: "anon" already holds ${CAP} live sessions (MAX_SESSIONS_PER_PRINCIPAL); end one with DELETE, or retry after Retry-After seconds`,
  );
}

test('sessions opened on two nodes count together; the next initialize gets 429 with Retry-After', async () => {
  for (let i = 0; i < CAP; i++) sessions.push(await openSession(fleet.front(i % 2).url));
  await assertRefused(await post(fleet.front('b').url, initialize(100)), 100);
  await assertRefused(await post(fleet.front('a').url, initialize(101)), 101);
  // The sessions already open keep working.
  const ping = await post(fleet.front('b').url, rpcRequest('ping', undefined, 102), sessions[0]!.headers);
  assert.equal(ping.status, 200, await ping.text());
});

test('the legacy transport counts too: GET /sse at the cap gets 429', async () => {
  const res = await fetch(fleet.front('a').url.replace(/\/mcp$/, '/sse'), { headers: { accept: 'text/event-stream' } });
  await assertRefused(res, null);
});

test('after DELETE of one session (on the other node) a new one is accepted, and the cap holds again', async () => {
  const gone = sessions.shift()!;
  const del = await fetch(fleet.front('b').url, { method: 'DELETE', headers: gone.headers });
  assert.equal(del.status, 200, await del.text());
  sessions.push(await openSession(fleet.front('a').url));
  await assertRefused(await post(fleet.front('b').url, initialize(103)), 103);
});

test('a legacy session whose connection closed stops counting', async () => {
  const gone = sessions.shift()!;
  await (await fetch(fleet.front('a').url, { method: 'DELETE', headers: gone.headers })).text();
  const ac = new AbortController();
  const sse = await fetch(fleet.front('b').url.replace(/\/mcp$/, '/sse'), {
    headers: { accept: 'text/event-stream' },
    signal: ac.signal,
  });
  assert.equal(sse.status, 200);
  await assertRefused(await post(fleet.front('a').url, initialize(104)), 104);
  ac.abort();
  const s = await eventually(
    async () => {
      try {
        return await openSession(fleet.front('a').url);
      } catch {
        return undefined;
      }
    },
    5_000,
    'a session once the legacy stream closed',
  );
  assert.ok(s);
  sessions.push(s);
});

test('sessions that expired (idle past SESSION_TTL_SECONDS) stop counting by themselves', async () => {
  await assertRefused(await post(fleet.front('a').url, initialize(105)), 105);
  await sleep(TTL_S * 1000 + 1500);
  for (let i = 0; i < CAP; i++) await openSession(fleet.front(i % 2).url);
  await assertRefused(await post(fleet.front('b').url, initialize(106)), 106);
});
