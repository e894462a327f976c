// Redis misbehaves under a fleet of 2 front nodes and 2 workers (separate processes) with calls in flight. Each
// case's outcome is the one docs/reliability.md promises, and the assertion messages carry the counts: calls that
// ended with their result, with an explicit error, or hung; progress events lost, duplicated, out of order.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFleet, type Fleet } from './harness/fleet.ts';
import { auditProgress, followCall, repeatedIds, runSeed, seeded, type CallOutcome } from './harness/follow.ts';
import {
  SseReader,
  eventually,
  frameMessage,
  getStream,
  openSession,
  post,
  rpcRequest,
  sleep,
} from './harness/http.ts';

const SEED = runSeed();
const random = seeded(SEED);
const ENV = {
  JOB_LOCK_MS: '3000',
  JOB_STALLED_CHECK_MS: '1000',
  CATALOG_HEARTBEAT_MS: '1000',
  REDIS_OUTAGE_GRACE_MS: '15000',
};
let fleet: Fleet;

before(async () => {
  console.log(`[fault-redis] FAULT_SEED=${SEED}`);
  fleet = await startFleet({ fronts: 2, workers: 2, env: ENV, redisAppendOnly: true });
});
after(async () => {
  await fleet?.stop();
});

const urls = () => fleet.fronts.map((f) => f.url);

/** `n` count calls (idempotent, with progress) followed to their outcome, each starting on alternating nodes. */
async function calls(n: number, to: number, intervalMs: number, onProgress?: () => void): Promise<CallOutcome[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const order = i % 2 ? [...urls()].reverse() : urls();
      const session = await openSession(order[0]!);
      return followCall(
        rpcRequest('tools/call', {
          name: 'count',
          arguments: { to, intervalMs },
          _meta: { progressToken: `p${i}` },
        }),
        { urls: order, session, deadlineMs: 45_000, onMessage: (m) => m.method && onProgress?.() },
      );
    }),
  );
}

/** A one-line tally for assertion messages. */
function tally(outcomes: CallOutcome[], to: number): string {
  const kinds = { result: 0, error: 0, hang: 0 };
  const sum = { lost: 0, duplicated: 0, outOfOrder: 0 };
  for (const o of outcomes) {
    kinds[o.kind]++;
    const a = auditProgress(o.progress, to);
    sum.lost += a.lost;
    sum.duplicated += a.duplicated;
    sum.outOfOrder += a.outOfOrder;
  }
  const slowest = Math.max(...outcomes.map((o) => o.ms));
  const errors = outcomes.filter((o) => o.kind !== 'result').map((o) => o.why ?? JSON.stringify(o.response?.error));
  return `${JSON.stringify(kinds)} progress ${JSON.stringify(sum)} slowest ${slowest} ms; errors: ${errors.join(' | ') || 'none'}`;
}

function assertExactlyOnce(outcomes: CallOutcome[], to: number, what: string): void {
  const line = `${what}: ${tally(outcomes, to)} (FAULT_SEED=${SEED})`;
  console.log(`[fault-redis] ${line}`);
  for (const o of outcomes) {
    assert.notEqual(o.kind, 'hang', `no call hangs — ${line}`);
    const a = auditProgress(o.progress, to);
    assert.equal(a.duplicated, 0, `nothing twice — ${line}`);
    assert.equal(a.outOfOrder, 0, `nothing out of order — ${line}`);
    assert.deepEqual(repeatedIds(o.ids), [], `no event id delivered twice — ${line}`);
    if (o.kind === 'result') {
      assert.deepEqual((o.response as { result: unknown }).result, {
        content: [{ type: 'text', text: `counted to ${to}` }],
      });
      // A call that ends with its result ends with all of it: progress may skip only what a crash took.
      assert.equal(o.progress.at(-1), to, `the last progress is ${to} — ${line}`);
    }
  }
}

describe('Redis crashes and comes back', () => {
  test('SIGKILL and a restart with AOF (everysec) within seconds: every call ends once, nothing twice or out of order', async () => {
    const downMs = 500 + Math.floor(random() * 2500);
    let progressSeen = 0;
    let crashed: Promise<void> | undefined;
    const outcomes = await calls(8, 40, 100, () => {
      if (++progressSeen === 40) crashed = fleet.restartRedis({ signal: 'SIGKILL', downMs });
    });
    await crashed;
    assertExactlyOnce(outcomes, 40, `Redis SIGKILLed for ${downMs} ms (AOF)`);
    // With the data kept, calls keep their streams: most finish with their result (a stream that lost the
    // last second of events the client had seen ends instead, explicitly).
    assert.ok(outcomes.filter((o) => o.kind === 'result').length >= 4, tally(outcomes, 40));
  });

  test('a clean shutdown (SIGTERM) and restart: every call finishes with its whole result', async () => {
    const downMs = 500 + Math.floor(random() * 1500);
    let progressSeen = 0;
    let restarted: Promise<void> | undefined;
    const outcomes = await calls(6, 30, 100, () => {
      if (++progressSeen === 30) restarted = fleet.restartRedis({ signal: 'SIGTERM', downMs });
    });
    await restarted;
    assertExactlyOnce(outcomes, 30, `Redis shut down for ${downMs} ms (AOF)`);
    for (const o of outcomes) assert.equal(o.kind, 'result', tally(outcomes, 30));
    for (const o of outcomes) assert.equal(auditProgress(o.progress, 30).lost, 0, tally(outcomes, 30));
  });
});

describe('Redis stops answering (SIGSTOP)', () => {
  test('requests fail fast with 503 and /readyz too; calls in flight end once after SIGCONT', async () => {
    const freezeMs = 2500 + Math.floor(random() * 1000);
    const session = await openSession(fleet.front('a').url);
    let progressSeen = 0;
    let frozen: Promise<void> | undefined;
    const probes: { what: string; status: number; ms: number }[] = [];
    const outcomes = await calls(4, 30, 100, () => {
      if (++progressSeen !== 20) return;
      frozen = (async () => {
        const freeze = fleet.freezeRedis(freezeMs);
        await sleep(300);
        for (const [what, send] of [
          ['a request of a session', () => post(fleet.front('a').url, rpcRequest('ping'), session.headers)],
          ['/readyz', () => fetch(new URL('/readyz', fleet.front('b').url))],
        ] as const) {
          const t = Date.now();
          const res = await send();
          probes.push({ what, status: res.status, ms: Date.now() - t });
          await res.text();
        }
        await freeze;
      })();
    });
    await frozen;
    for (const p of probes) {
      assert.equal(p.status, 503, `${p.what} while Redis is frozen: ${JSON.stringify(probes)}`);
      assert.ok(p.ms < 2500, `${p.what} answered in ${p.ms} ms (REDIS_COMMAND_TIMEOUT_MS 1000), not a hang`);
    }
    assertExactlyOnce(outcomes, 30, `Redis frozen for ${freezeMs} ms`);
    for (const o of outcomes) assert.equal(o.kind, 'result', tally(outcomes, 30));
  });
});

describe('Redis loses its data (a restart without persistence)', () => {
  test('open streams end with an explicit error; the fleet is ready again only with a catalog; old sessions 404', async () => {
    const a = fleet.front('a');
    const session = await openSession(a.url);
    const call = await post(
      a.url,
      rpcRequest('tools/call', { name: 'count', arguments: { to: 100, intervalMs: 100 } }, 'lost-1'),
      session.headers,
    );
    const reader = new SseReader(call);
    const get = await getStream(fleet.front('b').url, session);
    const getReader = new SseReader(get);
    await reader.next(5_000); // the resume point: the call runs
    await sleep(300);

    await fleet.restartRedis({ signal: 'SIGKILL', downMs: 300, keepData: false });

    const frames = await reader.readToEnd(20_000);
    const answer = frames.map(frameMessage).find((m) => m && ('result' in m || 'error' in m));
    assert.ok(answer, `the call's stream ends with an answer: ${reader.describe()}`);
    assert.equal(answer.id, 'lost-1');
    assert.equal((answer.error as { code: number }).code, -32603);
    assert.match((answer.error as { message: string }).message, /state was lost/);
    await getReader.readToEnd(20_000); // the standalone stream ends too (its session is gone)

    // Until a worker has republished its catalog, nothing is "unknown": readiness and calls say 503.
    const ready = await eventually(
      async () => (await fetch(new URL('/readyz', a.url))).status === 200,
      15_000,
      'ready again',
    );
    assert.ok(ready);
    const fresh = await openSession(a.url);
    const res = await post(
      a.url,
      rpcRequest('tools/call', { name: 'echo', arguments: { text: 'again' } }),
      fresh.headers,
    );
    const msg = (await new SseReader(res).readToEnd()).map(frameMessage).filter(Boolean).at(-1)!;
    assert.deepEqual(msg.result, { content: [{ type: 'text', text: 'again' }] });
    const old = await post(a.url, rpcRequest('ping'), session.headers);
    assert.equal(old.status, 404, 'a session from before the loss is gone: the client re-initializes');
  });
});
