// Tool limits and retry policies, with real workers as separate processes: a fleet-wide concurrency limit and a
// per-tool queue limit (beyond it 503 QUEUE_FULL, at once), priorities, and retries with backoff after a worker is
// SIGKILLed (and none once a tool's attempts are used up).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startExtraWorker } from './harness/extra-worker.ts';
import { startFleet, type Fleet, type WorkerNode } from './harness/fleet.ts';
import { SseReader, eventually, frameMessage, openSession, post, rpcRequest, sleep } from './harness/http.ts';

const PACKS = `examples,${fileURLToPath(new URL('./fixtures/limits-pack.ts', import.meta.url))}`;
const ENV = { TOOL_PACKS: PACKS, JOB_LOCK_MS: '2000', JOB_STALLED_CHECK_MS: '1000' };
let fleet: Fleet;
let single: Fleet;
const extra: WorkerNode[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'mcpf-limits-'));

before(async () => {
  [fleet, single] = await Promise.all([
    startFleet({ fronts: 2, workers: 2, env: { ...ENV, WORKER_CONCURRENCY: '4' } }),
    startFleet({ fronts: 1, workers: 1, name: 'tool-limits-single', env: { ...ENV, WORKER_CONCURRENCY: '1' } }),
  ]);
});
after(async () => {
  for (const w of extra) await w.proc.stop();
  await Promise.all([fleet?.stop(), single?.stop()]);
  rmSync(scratch, { recursive: true, force: true });
});

interface Sent {
  status: number;
  retryAfter: string | null;
  done: Promise<Record<string, unknown> | undefined>;
}

async function send(f: Fleet, node: string, name: string, args: Record<string, unknown>): Promise<Sent> {
  const url = f.front(node).url;
  const s = await openSession(url);
  const res = await post(url, rpcRequest('tools/call', { name, arguments: args }), s.headers);
  if (res.headers.get('content-type')?.startsWith('application/json')) {
    const body = (await res.json()) as Record<string, unknown>;
    return { status: res.status, retryAfter: res.headers.get('retry-after'), done: Promise.resolve(body) };
  }
  const done = new SseReader(res)
    .readToEnd(60_000)
    .then((frames) => frames.map(frameMessage).find((m) => m && ('result' in m || 'error' in m)));
  return { status: res.status, retryAfter: null, done };
}

const readLog = (log: string) => (existsSync(log) ? readFileSync(log, 'utf8') : '');

function events(log: string): { tag: string; event: string; at: number }[] {
  return readLog(log)
    .trim()
    .split('\n')
    .map((l) => {
      const [tag, event, at] = l.split(' ');
      return { tag: tag!, event: event!, at: Number(at) };
    });
}

/** The most runs that overlapped, from start/end events. */
function maxOverlap(evs: { event: string; at: number }[]): number {
  let now = 0;
  let max = 0;
  for (const e of [...evs].sort((a, b) => a.at - b.at || (a.event === 'end' ? -1 : 1))) {
    now += e.event === 'start' ? 1 : -1;
    max = Math.max(max, now);
  }
  return max;
}

describe('limits', () => {
  test('concurrency 2 across two workers (8 slots); 3 may wait; the next call is refused at once with 503', async () => {
    const log = join(scratch, 'limited.log');
    const calls: Sent[] = [];
    for (let i = 0; i < 5; i++) {
      // Long enough that none has ended (freeing a place) before the refused call, however slow the machine.
      calls.push(await send(fleet, i % 2 ? 'b' : 'a', 'limited', { ms: 3000, log, tag: `c${i}` }));
    }
    await sleep(300);
    const refused = await send(fleet, 'a', 'limited', { ms: 0, log, tag: 'refused' });
    assert.equal(refused.status, 503);
    assert.equal(refused.retryAfter, '1');
    const body = (await refused.done) as { id?: unknown; error?: { code: number; message: string } };
    assert.ok(body.id !== undefined && body.id !== null, 'the error carries the request id');
    assert.match(body.error?.message ?? '', /calls are waiting for tool limited/);
    const results = await Promise.all(calls.map((c) => c.done));
    assert.equal(results.filter((r) => r && 'result' in r).length, 5, 'every admitted call completes');
    const evs = events(log);
    assert.equal(evs.filter((e) => e.event === 'start').length, 5, 'each ran once');
    assert.equal(maxOverlap(evs), 2, 'never more than 2 at once');
    // Once they are done, calls are admitted again.
    const again = await send(fleet, 'b', 'limited', { ms: 0, log, tag: 'after' });
    assert.equal(again.status, 200);
    assert.ok((await again.done) && 'result' in (await again.done)!);
  });

  test('a tool with a priority waits behind tools without one (one worker, one slot)', async () => {
    const log = join(scratch, 'priority.log');
    const blocker = await send(single, 'a', 'foreground', { ms: 1000, log, tag: 'blocker' });
    await eventually(() => readLog(log).includes('blocker start'), 5000, 'the blocker to run');
    const queued: Sent[] = [];
    for (const [name, tag] of [
      ['background', 'bg1'],
      ['background', 'bg2'],
      ['foreground', 'fg1'],
      ['foreground', 'fg2'],
    ] as const) {
      queued.push(await send(single, 'a', name, { ms: 50, log, tag }));
    }
    await Promise.all([blocker.done, ...queued.map((q) => q.done)]);
    const order = events(log)
      .filter((e) => e.event === 'start' && e.tag !== 'blocker')
      .map((e) => e.tag);
    assert.deepEqual(order, ['fg1', 'fg2', 'bg1', 'bg2']);
  });
});

describe('retry policies after a worker dies', () => {
  async function victimOf(log: string, tag: string): Promise<WorkerNode> {
    await eventually(() => readLog(log).includes(`${tag} start`), 10_000, `${tag} to start`);
    const redis = fleet.redisClient('limits');
    for (const w of [...fleet.workers, ...extra].filter((x) => x.proc.alive)) {
      const active = await redis.lrange(`${fleet.keyPrefix}:bull:tools:active`, 0, -1);
      for (const id of active)
        if ((await redis.hget(`${fleet.keyPrefix}:bull:tools:${id}`, 'pb')) === w.nodeId) return w;
    }
    throw new Error('no worker runs it');
  }

  test('retry {attempts: 2, backoffMs: 1500}: re-run once, at least 1.5 s after the stall was found; one result', async () => {
    const log = join(scratch, 'retried.log');
    const call = await send(fleet, 'a', 'retried', { ms: 2500, log, tag: 'r' });
    const victim = await victimOf(log, 'r');
    const killedAt = Date.now();
    await victim.kill('SIGKILL');
    extra.push(await startExtraWorker(fleet, { nodeId: 'worker-x', toolPacks: PACKS, queue: 'tools', env: ENV }));
    const r = await call.done;
    assert.ok(r && 'result' in r, JSON.stringify(r));
    const starts = events(log).filter((e) => e.event === 'start');
    assert.equal(starts.length, 2, 'ran twice: the first run and one retry');
    const gap = starts[1]!.at - killedAt;
    // Stall detection (lock 2 s + check 1 s) and then the backoff.
    assert.ok(gap >= 1500 + 2000, `the retry waited for the backoff: ${gap} ms after the kill`);
    console.log(`[tool-limits] retry ran ${gap} ms after its worker was killed (lock 2000 + backoff 1500)`);
  });

  test('retry {attempts: 1}: an idempotent tool whose worker died is not run again; a clear error result', async () => {
    const log = join(scratch, 'once.log');
    const call = await send(fleet, 'b', 'once_only', { ms: 3000, log, tag: 'o' });
    const victim = await victimOf(log, 'o');
    await victim.kill('SIGKILL');
    extra.push(await startExtraWorker(fleet, { nodeId: 'worker-y', toolPacks: PACKS, queue: 'tools', env: ENV }));
    const r = (await call.done) as { result?: { isError?: boolean; content: { text: string }[] } };
    assert.equal(r.result?.isError, true);
    assert.match(r.result!.content[0]!.text, /worker stopped 1 times \(at most 1 runs\); not run again/);
    assert.equal(events(log).filter((e) => e.event === 'start').length, 1);
  });
});
