// Workers misbehave under calls in flight: paused past their lock (a zombie), shut down with long calls running.
// (Killed mid-call: worker-failure.test.ts.) Two workers share the queue; front nodes are separate processes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFleet, type Fleet, type WorkerNode } from './harness/fleet.ts';
import { auditProgress, followCall, runSeed, seeded } from './harness/follow.ts';
import { openSession, rpcRequest, sleep, type RawSession } from './harness/http.ts';
import { FleetKeys } from '@mcp-fleet/shared';

const SEED = runSeed();
const random = seeded(SEED);
const PACKS = `examples,${fileURLToPath(new URL('./fixtures/side-effect-pack.ts', import.meta.url))}`;
const LOCK_MS = 3000;
const STALL_MS = 1000;
const ENV = {
  TOOL_PACKS: PACKS,
  JOB_LOCK_MS: String(LOCK_MS),
  JOB_STALLED_CHECK_MS: String(STALL_MS),
  WORKER_SHUTDOWN_GRACE_MS: '1000',
};
let fleet: Fleet;
const scratch = mkdtempSync(join(tmpdir(), 'mcpf-effects-'));

before(async () => {
  console.log(`[fault-workers] FAULT_SEED=${SEED}`);
  fleet = await startFleet({ fronts: 2, workers: 2, env: ENV });
});
after(async () => {
  await fleet?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/**
 * The worker running the only active job (BullMQ's job hash names it: `pb`, the worker's name) — once its run has
 * started (the run state is `open`: start-run-3.lua set it just before the tool began). A worker paused after it
 * took the job but before that is not mid-tool: the worker that takes over runs the call as its first attempt.
 */
async function workerRunningTheJob(session: RawSession): Promise<WorkerNode> {
  const redis = fleet.redisClient('fault-workers');
  const keys = new FleetKeys(fleet.keyPrefix);
  const ref = { principal: 'anon', sessionId: session.sessionId };
  for (let i = 0; i < 500; i++) {
    const active = await redis.lrange(`${fleet.keyPrefix}:bull:tools:active`, 0, -1);
    const holder = active[0] && (await redis.hget(`${fleet.keyPrefix}:bull:tools:${active[0]}`, 'pb'));
    const w = holder && fleet.workers.find((n) => n.nodeId === holder);
    if (w && (await redis.hget(keys.run(ref, active[0]!), 'open')) === '1') return w;
    await sleep(20);
  }
  throw new Error('no worker started the call within 10 s');
}

describe('a worker paused past its lock (SIGSTOP, then SIGCONT)', () => {
  test('the call has one outcome, and the paused attempt is aborted before its side effect', async () => {
    const file = join(scratch, 'zombie.txt');
    const session = await openSession(fleet.front('a').url);
    const pausedFor = LOCK_MS + 3 * STALL_MS + Math.floor(random() * 1000);
    const outcome = followCall(rpcRequest('tools/call', { name: 'slow_write', arguments: { ms: 2500, file } }), {
      urls: fleet.fronts.map((f) => f.url),
      session,
      deadlineMs: 40_000,
    });
    const zombie = await workerRunningTheJob(session);
    const started = Date.now();
    process.kill(zombie.pid, 'SIGSTOP');
    await sleep(pausedFor);
    process.kill(zombie.pid, 'SIGCONT');
    const o = await outcome;
    assert.equal(o.kind, 'result', JSON.stringify(o));
    const result = (o.response as { result: { isError?: boolean; content: { text: string }[] } }).result;
    // The other worker took the job over after the lock expired; the tool is not idempotent, so it said so.
    assert.equal(result.isError, true, JSON.stringify(result));
    assert.match(result.content[0]!.text, /interrupted \(its worker stopped\)/);
    assert.ok(o.ms < pausedFor + 5000, `outcome within the pause (${o.ms} ms; paused ${pausedFor} ms)`);
    await zombie.waitForLog((e) => e.msg === 'job lock presumed lost: the attempt stops without an outcome', 10_000);
    await sleep(3000); // the zombie's own timer is long overdue now: it would have written by now
    assert.ok(
      !existsSync(file),
      `the paused attempt never wrote: ${existsSync(file) ? readFileSync(file, 'utf8') : ''}`,
    );
    console.log(
      `[fault-workers] zombie ${zombie.nodeId} paused ${pausedFor} ms: one outcome in ${o.ms} ms (${Date.now() - started} ms after the pause began), no side effect`,
    );
  });
});

describe('a worker shut down (SIGTERM) with long calls running', () => {
  test('idempotent calls are handed back at once and finish on the other worker; the other calls are answered', async () => {
    const [victim, survivor] = [fleet.workers[0]!, fleet.workers[1]!];
    const session = await openSession(fleet.front('b').url);
    const urls = fleet.fronts.map((f) => f.url).reverse();
    // The survivor sits out while the calls start, so the victim runs them all.
    process.kill(survivor.pid, 'SIGSTOP');
    const counts = Array.from({ length: 4 }, (_, i) =>
      followCall(
        rpcRequest('tools/call', {
          name: 'count',
          arguments: { to: 40, intervalMs: 100 },
          _meta: { progressToken: `c${i}` },
        }),
        { urls, session, deadlineMs: 30_000 },
      ),
    );
    const files = [0, 1].map((i) => join(scratch, `w${i}.txt`));
    const writes = files.map((file) =>
      followCall(rpcRequest('tools/call', { name: 'slow_write', arguments: { ms: 8000, file } }), {
        urls,
        session,
        deadlineMs: 30_000,
      }),
    );
    await sleep(800 + Math.floor(random() * 700));
    process.kill(survivor.pid, 'SIGCONT');
    const sigterm = Date.now();
    const exited = new Promise<number>((resolve) =>
      victim.proc.child.once('exit', () => resolve(Date.now() - sigterm)),
    );
    victim.proc.child.kill('SIGTERM');
    const countOutcomes = await Promise.all(counts);
    const writeOutcomes = await Promise.all(writes);
    const exitMs = await exited;

    for (const o of countOutcomes) {
      assert.equal(o.kind, 'result', JSON.stringify(o));
      assert.deepEqual((o.response as { result: unknown }).result, {
        content: [{ type: 'text', text: 'counted to 40' }],
      });
      const a = auditProgress(o.progress, 40);
      assert.deepEqual([a.duplicated, a.outOfOrder], [0, 0], `progress ${o.progress.join(',')}`);
      // Handed back at once, not left to stall detection (which would add a whole lock before the re-run).
      assert.ok(o.ms < 1500 + 1000 + 4000 + 1500, `a count call ended in ${o.ms} ms`);
    }
    for (const o of writeOutcomes) {
      assert.equal(o.kind, 'result', JSON.stringify(o));
      const text = JSON.stringify((o.response as { result: unknown }).result);
      assert.match(text, /interrupted \(its worker shut down\)/, text);
    }
    for (const f of files) assert.ok(!existsSync(f), `an interrupted write did not happen: ${f}`);
    assert.ok(exitMs < 1000 + 5000, `the worker exited ${exitMs} ms after SIGTERM (grace 1000 ms)`);
    console.log(
      `[fault-workers] SIGTERM: worker exited in ${exitMs} ms; ${countOutcomes.length} count calls handed back and done (slowest ${Math.max(...countOutcomes.map((o) => o.ms))} ms); ${writeOutcomes.length} writes answered as interrupted`,
    );
  });
});
