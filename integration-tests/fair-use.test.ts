// Fair use across the fleet (2 front nodes + a worker, separate processes; principals are API keys): a principal
// over its request rate or a tool's rate gets 429 + Retry-After with the request's id; one at its in-flight quota
// gets 429 on either node until a call ends; and a principal flooding the fleet with calls and initializes (from a
// process of its own) leaves another principal's median latency within a few ms of what it was.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ApiKeyStore, FleetKeys } from '../shared/src/index.ts';
import { baseEnv, startFleet, type Fleet } from './harness/fleet.ts';
import { openSession, post, readJson, rpcRequest, sleep, type RawSession } from './harness/http.ts';
import { repoRoot } from './harness/process.ts';

const RATE = 100;
const QUOTA = 6;
let fleet: Fleet;
const keys: Record<string, { authorization: string }> = {};

before(async () => {
  fleet = await startFleet({
    fronts: 2,
    workers: 1,
    env: {
      AUTH_API_KEYS: 'true',
      AUTH_API_KEY_CACHE_MS: '60000',
      RATE_LIMIT_REQUESTS: String(RATE),
      RATE_LIMIT_WINDOW_SECONDS: '1',
      RATE_LIMIT_RULES: 'tool:count=3/30',
      MAX_CALLS_IN_FLIGHT_PER_PRINCIPAL: String(QUOTA),
      WORKER_CONCURRENCY: '64',
    },
  });
  const store = new ApiKeyStore(fleet.redisClient('keys'), new FleetKeys(fleet.keyPrefix));
  for (const who of ['burst', 'counter', 'busy', 'flood', 'victim']) {
    const { key } = await store.create({ subject: who, tenant: 'acme', scopes: [] });
    keys[who] = { authorization: `Bearer ${key}` };
  }
});
after(async () => {
  await fleet?.stop();
});

const A = () => fleet.front('a').url;
const B = () => fleet.front('b').url;
type RpcBody = { id?: unknown; result?: Record<string, unknown>; error?: { code: number; message: string } };

async function call(url: string, s: RawSession, name: string, args: Record<string, unknown>, id: string | number) {
  const res = await post(url, rpcRequest('tools/call', { name, arguments: args }, id), {
    ...s.headers,
    accept: 'application/json',
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await readJson(res)) as RpcBody };
}

describe('rates', () => {
  test(`over RATE_LIMIT_REQUESTS (${RATE}/s): 429, Retry-After, the request id; the next window serves again`, async () => {
    const s = await openSession(A(), '2025-11-25', {}, keys.burst!);
    // tools/list: answered by the front node, so only the rate applies (no call is started).
    const list = async (url: string, id: string) => {
      const res = await post(url, rpcRequest('tools/list', {}, id), { ...s.headers, accept: 'application/json' });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await readJson(res)) as RpcBody };
    };
    const answers = await Promise.all(
      Array.from({ length: RATE + 40 }, (_, i) => list(i % 2 ? A() : B(), `burst-${i}`)),
    );
    const refused = answers.filter((a) => a.status === 429);
    const served = answers.filter((a) => a.status === 200);
    assert.ok(refused.length >= 40 && served.length <= RATE, `served ${served.length}, refused ${refused.length}`);
    for (const r of refused) {
      assert.ok(Number(r.retryAfter) >= 1, 'Retry-After in seconds');
      assert.equal(r.body.error?.code, -32000);
      assert.match(String(r.body.id), /^burst-\d+$/);
      assert.match(r.body.error!.message, /this server allows 100 requests per 1 s; retry in \d+ s/);
    }
    await sleep(1100);
    assert.equal((await list(B(), 'after')).status, 200);
  });

  test('a tool rule (count: 3 per 30 s): the 4th call is refused on either node, other tools are not', async () => {
    const s = await openSession(A(), '2025-11-25', {}, keys.counter!);
    for (let i = 0; i < 3; i++) {
      const ok = await call(i % 2 ? B() : A(), s, 'count', { to: 1, intervalMs: 0 }, `c${i}`);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
    }
    const fourth = await call(B(), s, 'count', { to: 1, intervalMs: 0 }, 'c3');
    assert.equal(fourth.status, 429);
    assert.match(fourth.body.error!.message, /tool "count" allows 3 calls per 30 s/);
    assert.ok(Number(fourth.retryAfter) > 1);
    assert.equal((await call(A(), s, 'echo', { text: 'fine' }, 'e')).status, 200);
  });
});

describe('calls in flight', () => {
  test(`at MAX_CALLS_IN_FLIGHT_PER_PRINCIPAL (${QUOTA}) across both nodes: 429 at once, never a hang; served again when calls end`, async () => {
    const s = await openSession(A(), '2025-11-25', {}, keys.busy!);
    const long = Array.from({ length: QUOTA }, (_, i) =>
      call(i % 2 ? B() : A(), s, 'batch_report', { items: 15, itemMs: 100 }, `long-${i}`),
    );
    await sleep(500);
    const started = performance.now();
    const over = await call(B(), s, 'echo', { text: 'one more' }, 'over');
    const waitedMs = performance.now() - started;
    assert.equal(over.status, 429, JSON.stringify(over.body));
    assert.equal(over.retryAfter, '1');
    assert.equal(over.body.id, 'over');
    assert.match(over.body.error!.message, /6 calls of this caller are waiting, running or parked/);
    assert.ok(waitedMs < 1000, `refused at once (${Math.round(waitedMs)} ms)`);
    const other = await openSession(A(), '2025-11-25', {}, keys.counter!);
    assert.equal(
      (await call(A(), other, 'echo', { text: 'other caller' }, 'o')).status,
      200,
      'another principal is not held up',
    );
    const results = await Promise.all(long);
    for (const r of results) assert.equal(r.status, 200);
    assert.equal((await call(A(), s, 'echo', { text: 'free again' }, 'free')).status, 200);
  });
});

describe('fairness', () => {
  const flood = (mode: 'call' | 'initialize', ms: number, concurrency: number) =>
    new Promise<Record<string, number>>((resolve, reject) => {
      // At the lowest CPU priority: a flooding client's own CPU is not the fleet's (it runs elsewhere); on this one
      // machine it would otherwise take the cores the fleet and the measuring client need.
      const script = fileURLToPath(new URL('./fixtures/flood.ts', import.meta.url));
      const p = spawn('nice', ['-n', '19', process.execPath, '--import', 'tsx', script], {
        cwd: repoRoot,
        env: {
          ...baseEnv(),
          URLS: `${A()},${B()}`,
          KEY: keys.flood!.authorization.slice(7),
          DURATION_MS: String(ms),
          CONCURRENCY: String(concurrency),
          MODE: mode,
        },
      });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.on('exit', (code) =>
        code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`flood exited ${code}`)),
      );
    });

  /** Sequential calls, paced to stay well under the victim's own rate (RATE per second). */
  async function victimP50(s: RawSession, n: number): Promise<number> {
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      await sleep(1000 / (RATE / 2));
      const t = performance.now();
      const r = await call(i % 2 ? B() : A(), s, 'echo', { text: 'v' }, `v${i}`);
      ms.push(performance.now() - t);
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    ms.sort((a, b) => a - b);
    return ms[Math.floor(ms.length / 2)]!;
  }

  test("a principal flooding calls and initializes: the other principal's p50 moves by a few ms at most", async () => {
    const victim = await openSession(A(), '2025-11-25', {}, keys.victim!);
    await victimP50(victim, 30); // warm up both nodes
    const quiet = await victimP50(victim, 150);
    const flooding = Promise.all([flood('call', 9000, 24), flood('initialize', 9000, 8)]);
    await sleep(1500);
    const loud = await victimP50(victim, 150);
    const [calls, inits] = await flooding;
    console.log(
      `[fairness] victim p50 quiet ${quiet.toFixed(2)} ms, under flood ${loud.toFixed(2)} ms (+${(loud - quiet).toFixed(2)} ms); flood calls ${JSON.stringify(calls)}, initializes ${JSON.stringify(inits)}`,
    );
    assert.ok((calls['429'] ?? 0) > 0 && (inits['429'] ?? 0) > 0, 'the flood was held to its rate');
    assert.ok(
      loud - quiet <= 5,
      `p50 moved by ${(loud - quiet).toFixed(2)} ms (quiet ${quiet.toFixed(2)}, flood ${loud.toFixed(2)})`,
    );
  });
});
