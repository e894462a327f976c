// 2026-07-28: closing a call's response stream cancels the call (there is no session to send
// notifications/cancelled in). The front node holding the connection sees the disconnect, the worker running the
// job — whichever it is — aborts it, and the job stops: no more progress is written after the cancel.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FleetKeys } from '../shared/src/keys.ts';
import { decodeEntries, type StreamEvent } from '../shared/src/events.ts';
import { SseReader, eventually, frameMessage, sleep, startFleet, type Fleet, type LogEntry } from './harness/index.ts';
import { complaints, connectModern, modernFetch, nextLog, textOf, type JsonObject } from './harness/modern.ts';

let fleet: Fleet;
let keys: FleetKeys;

before(async () => {
  fleet = await startFleet({ fronts: 2, workers: 1 });
  keys = new FleetKeys(fleet.keyPrefix);
});

after(async () => {
  for (const f of fleet?.fronts ?? []) {
    const c = complaints(f.proc);
    if (c.length) console.log(`[modern-cancel] ${f.nodeId} warnings/stderr:\n${c.join('\n')}`);
  }
  await fleet?.stop();
});

const frontCancelled = (e: LogEntry) => e.msg === 'modern call cancelled by disconnect';
const workerCancelled = (e: LogEntry) => e.msg === 'tool call cancelled';

/** The events the call's job wrote to its Redis stream (the worker log names the job and its key namespace). */
async function jobEvents(workerLog: LogEntry): Promise<StreamEvent[]> {
  const redis = fleet.redisClient('modern-cancel');
  const key = keys.stream({ principal: 'anon', sessionId: String(workerLog.session) }, String(workerLog.jobId));
  return decodeEntries((await redis.xrange(key, '-', '+')) as [string, string[]][]);
}
const progressCount = (events: StreamEvent[]) =>
  events.filter((e) => e.kind === 'message' && (JSON.parse(e.data) as JsonObject).method === 'notifications/progress')
    .length;

/**
 * After a cancel: the front node logged it for `jobId`, the worker aborted that job, and its stream ended with no
 * response and no further progress (checked again a second later, when count would have reported ~10 more).
 */
async function assertJobStopped(
  frontLog: LogEntry,
  workerLogP: Promise<LogEntry>,
  abortedAt: number,
  progressSeen: number,
) {
  assert.equal(frontLog.target, 'count');
  assert.equal(frontLog.method, 'tools/call');
  const workerLog = await workerLogP;
  assert.equal(workerLog.jobId, frontLog.jobId, 'the worker cancelled the job the front node named');
  assert.equal(workerLog.tool, 'count');
  assert.ok(Date.now() - abortedAt < 5_000, 'the job was cancelled promptly');

  const atCancel = await jobEvents(workerLog);
  assert.ok(atCancel.length > 0, 'the job wrote its progress to its stream');
  const lastEvent = atCancel[atCancel.length - 1]!;
  assert.equal(lastEvent.kind, 'end', `the stream ends with no response: ${JSON.stringify(atCancel.slice(-3))}`);
  assert.ok(!atCancel.some((e) => e.kind === 'response'), 'no response was written');
  const n = progressCount(atCancel);
  assert.ok(
    n >= progressSeen && n < progressSeen + 10,
    `progress stopped right after the cancel (${n} written, ${progressSeen} seen)`,
  );
  await sleep(1_000);
  const later = await jobEvents(workerLog);
  assert.equal(later.length, atCancel.length, 'nothing written after the cancel');
}

describe('a closed response stream cancels the call', () => {
  test('raw fetch aborted on A: A logs the disconnect, the worker aborts the job, progress stops', async () => {
    const front = fleet.front('a');
    const frontLogP = nextLog(front.proc, frontCancelled, 8_000, '"modern call cancelled by disconnect" on front-a');
    const workerLogP = nextLog(fleet.workers[0]!.proc, workerCancelled, 8_000, '"tool call cancelled"');

    const abort = new AbortController();
    const res = await modernFetch(front.url, {
      method: 'tools/call',
      params: { name: 'count', arguments: { to: 100, intervalMs: 100 } },
      extraMeta: { progressToken: 'cancel-raw' },
      signal: abort.signal,
    });
    assert.equal(res.status, 200);
    const reader = new SseReader(res);
    const progress: number[] = [];
    while (progress.length < 3) {
      const f = await reader.nextMessage(5_000);
      assert.ok(f, `stream ended early: ${reader.describe()}`);
      const m = frameMessage(f)!;
      assert.equal(m.method, 'notifications/progress', JSON.stringify(m));
      progress.push((m.params as { progress: number }).progress);
    }
    assert.deepEqual(progress, [1, 2, 3]);
    abort.abort();
    const abortedAt = Date.now();
    await reader.cancel();

    const frontLog = await frontLogP;
    await assertJobStopped(frontLog, workerLogP, abortedAt, 3);
    assert.equal(fleet.front('b').proc.findLogs(frontCancelled).length, 0, 'B had nothing to cancel');
  });

  test("the v2 client's signal aborted on B: the call rejects, the worker aborts the job, progress stops", async () => {
    const mc = await connectModern(fleet, { route: () => 'b' });
    try {
      const front = fleet.front('b');
      const frontLogP = nextLog(front.proc, frontCancelled, 8_000, '"modern call cancelled by disconnect" on front-b');
      const workerLogP = nextLog(fleet.workers[0]!.proc, workerCancelled, 8_000, '"tool call cancelled"');
      const abort = new AbortController();
      const progress: number[] = [];
      let abortedAt = 0;
      const call = mc.client.callTool(
        { name: 'count', arguments: { to: 100, intervalMs: 100 } },
        {
          signal: abort.signal,
          onprogress: (p) => {
            progress.push(p.progress);
            if (progress.length === 3) {
              abortedAt = Date.now();
              abort.abort('the user changed their mind');
            }
          },
        },
      );
      await assert.rejects(call, 'the aborted call rejects');
      assert.deepEqual(progress, [1, 2, 3], 'no progress delivered after the abort');
      const calls = mc.lb.posts('tools/call');
      assert.equal(calls.length, 1);
      assert.equal(calls[0]!.node, 'front-b');
      assert.equal(
        mc.lb.posts('notifications/cancelled').length,
        0,
        'cancelled by closing the stream, not by a notification',
      );

      const frontLog = await frontLogP;
      await assertJobStopped(frontLog, workerLogP, abortedAt, 3);
    } finally {
      await mc.close();
    }
  });

  test('cancelling one call leaves a concurrent call on the other node untouched; a finished call is not cancelled', async () => {
    const mc = await connectModern(fleet, {
      route: ({ body }) => ((body?.params as { arguments?: { to?: number } })?.arguments?.to === 100 ? 'a' : 'b'),
    });
    try {
      const cancelsBefore = fleet.workers[0]!.proc.findLogs(workerCancelled).length;
      const keep: number[] = [];
      const kept = mc.client.callTool(
        { name: 'count', arguments: { to: 15, intervalMs: 100 } },
        { onprogress: (p) => keep.push(p.progress) },
      );
      const abort = new AbortController();
      const doomed = mc.client.callTool(
        { name: 'count', arguments: { to: 100, intervalMs: 100 } },
        { signal: abort.signal, onprogress: (p) => p.progress === 2 && abort.abort() },
      );
      await assert.rejects(doomed);
      const result = await kept;
      assert.equal(textOf(result), 'counted to 15');
      assert.deepEqual(
        keep,
        Array.from({ length: 15 }, (_, i) => i + 1),
        'every progress of the surviving call',
      );
      await eventually(
        () => fleet.workers[0]!.proc.findLogs(workerCancelled).length > cancelsBefore,
        5_000,
        "the doomed call's cancel",
      );
      await sleep(300);
      const cancels = fleet.workers[0]!.proc.findLogs(workerCancelled).slice(cancelsBefore);
      assert.equal(cancels.length, 1, `exactly one job cancelled: ${JSON.stringify(cancels)}`);

      // A call that completed and whose connection then closes is not cancelled.
      const done = await mc.client.callTool({ name: 'count', arguments: { to: 2, intervalMs: 10 } });
      assert.equal(textOf(done), 'counted to 2');
      await sleep(500);
      assert.equal(
        fleet.workers[0]!.proc.findLogs(workerCancelled).length,
        cancelsBefore + 1,
        'no cancel for a finished call',
      );
    } finally {
      await mc.close();
    }
  });
});
