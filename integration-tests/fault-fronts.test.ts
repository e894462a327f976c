// A front node goes away (SIGKILL: gone at once; SIGTERM: drains) while it serves a call, before the tool's first
// event and after it, for every protocol version. Streamable HTTP clients of every version hold an event id from
// the first event on (docs/reliability.md), so they resume on another node and get the rest: nothing lost, nothing
// twice. A 2024-11-05 (HTTP+SSE) session cannot resume: its calls are cancelled, never left running unread.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFleet, type Fleet, type FrontNode } from './harness/fleet.ts';
import { auditProgress, followCall, repeatedIds, runSeed, seeded } from './harness/follow.ts';
import { frameMessage, openSession, rpcRequest, sleep, type SseFrame } from './harness/http.ts';
import { connectVersioned } from './harness/versions.ts';

const SEED = runSeed();
const random = seeded(SEED);
let fleet: Fleet;

before(async () => {
  console.log(`[fault-fronts] FAULT_SEED=${SEED}`);
  // Short keep-alives: an HTTP+SSE session's lease (3 keep-alive intervals) runs out quickly when its node dies.
  fleet = await startFleet({ fronts: 1, workers: 1, env: { SSE_KEEPALIVE_MS: '1000', SHUTDOWN_GRACE_MS: '500' } });
});
after(async () => {
  await fleet?.stop();
});

const VERSIONS = ['2025-03-26', '2025-06-18', '2025-11-25'] as const;
const WHEN = ['before the first tool event', 'after the first tool event'] as const;

/** Follows a count call that starts on `victim`, which dies at `when`; resumes on front a. */
async function callThroughDyingFront(version: string, signal: NodeJS.Signals, when: (typeof WHEN)[number]) {
  const victim: FrontNode = await fleet.addFront();
  const survivor = fleet.front('a');
  const session = await openSession(victim.url, version);
  let killed = false;
  const kill = () => {
    if (killed) return;
    killed = true;
    void victim.kill(signal);
  };
  const to = 6;
  const o = await followCall(
    rpcRequest('tools/call', { name: 'count', arguments: { to, intervalMs: 400 }, _meta: { progressToken: 'p' } }),
    {
      urls: [victim.url, survivor.url],
      session,
      deadlineMs: 30_000,
      onFrame: (f: SseFrame) => {
        const m = f.data ? frameMessage(f) : undefined;
        const isProgress = m?.method === 'notifications/progress';
        if (when === 'before the first tool event' && !isProgress) kill();
        if (when === 'after the first tool event' && isProgress) kill();
      },
    },
  );
  return { o, to, killed };
}

describe('a front node dies while it serves a call', () => {
  for (const version of VERSIONS) {
    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      test(`${version}, ${signal}: the client resumes on another node and gets the rest, once`, async () => {
        for (const when of WHEN) {
          const { o, to, killed } = await callThroughDyingFront(version, signal, when);
          const a = auditProgress(o.progress, to);
          const line = `${version} ${signal} ${when}: ${o.kind} in ${o.ms} ms over ${o.connections} connections, progress ${JSON.stringify(a)} (FAULT_SEED=${SEED})`;
          console.log(`[fault-fronts] ${line}`);
          assert.ok(killed, `the front was killed — ${line}`);
          assert.equal(o.kind, 'result', `${line}: ${o.why ?? ''}`);
          assert.deepEqual((o.response as { result: unknown }).result, {
            content: [{ type: 'text', text: `counted to ${to}` }],
          });
          assert.deepEqual(a, { lost: 0, duplicated: 0, outOfOrder: 0 }, line);
          assert.deepEqual(repeatedIds(o.ids), [], line);
          assert.ok(o.connections >= 2, `it took a resume — ${line}`);
          await sleep(Math.floor(random() * 200));
        }
      });
    }
  }
});

describe('an HTTP+SSE (2024-11-05) session whose front node dies', () => {
  test('cannot resume; its running call is cancelled when the session lease runs out', async () => {
    const victim = await fleet.addFront();
    const vc = await connectVersioned(fleet, { version: '2024-11-05', streamNode: victim.alias });
    const worker = fleet.workers[0]!;
    const mark = worker.proc.logs.length;
    const call = vc.client.callTool({ name: 'count', arguments: { to: 200, intervalMs: 100 } }).catch(() => undefined);
    await sleep(500);
    const killedAt = Date.now();
    await victim.kill('SIGKILL');
    const stopped = await worker.waitForLog(
      (e) =>
        worker.proc.logs.indexOf(e) >= mark && e.msg === 'call stream gone: nobody can read the outcome; the job stops',
      15_000,
      'the orphaned call stops',
    );
    const ms = Date.now() - killedAt;
    console.log(`[fault-fronts] 2024-11-05: the orphaned call stopped ${ms} ms after its node died (lease 3 s)`);
    assert.equal(stopped.target, 'count');
    assert.ok(ms < 3000 + 2000, `stopped within the lease and one sweep: ${ms} ms`);
    assert.ok(vc.errors.length > 0, 'the client saw its connection go');
    // (The SDK leaves the request pending until its own timeout: nothing more will come on a dead SSE stream.)
    void call;
    await vc.client.close().catch(() => {});
  });
});
