// notifications/cancelled sent to any front node reaches the worker running the call: the job is aborted, no
// response is ever sent for the request, and the call's stream ends. Cancelling a finished or unknown request is
// accepted and changes nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SseReader,
  connectClient,
  createBalancer,
  eventually,
  frameMessage,
  getStream,
  openSession,
  post,
  rpcRequest,
  sleep,
  splitEventId,
  startFleet,
  type Fleet,
  type LogEntry,
  type SseFrame,
} from './harness/index.ts';

let fleet: Fleet;

before(async () => {
  fleet = await startFleet({ fronts: 2, workers: 1 });
});

after(async () => {
  await fleet?.stop();
});

const isCancelLog = (e: LogEntry) => e.msg === 'tool call cancelled';

/** Resolves with the next `tool call cancelled` line the worker logs after this call. */
function nextCancelLog(timeoutMs = 5_000): Promise<LogEntry> {
  const worker = fleet.workers[0]!;
  const before = worker.proc.findLogs(isCancelLog).length;
  return worker.waitForLog(
    (e) => isCancelLog(e) && worker.proc.findLogs(isCancelLog).indexOf(e) >= before,
    timeoutMs,
    '"tool call cancelled"',
  );
}

function cancelLogCount(): number {
  return fleet.workers[0]!.proc.findLogs(isCancelLog).length;
}

/** The JSON-RPC responses (result or error) for `id` among the frames. */
function responsesFor(frames: SseFrame[], id: string | number): Record<string, unknown>[] {
  return frames
    .map(frameMessage)
    .filter((m): m is Record<string, unknown> => !!m && m.id === id && ('result' in m || 'error' in m));
}

function progressValues(frames: SseFrame[]): number[] {
  return frames
    .map(frameMessage)
    .filter((m) => m?.method === 'notifications/progress')
    .map((m) => (m!.params as { progress: number }).progress);
}

describe('cancellation', () => {
  test('a call started on A and cancelled on B is aborted by the worker; no response; the stream ends', async () => {
    const a = fleet.front('a').url;
    const b = fleet.front('b').url;
    const session = await openSession(a);
    const requestId = 'cancel-me-1';
    const res = await post(
      a,
      rpcRequest(
        'tools/call',
        {
          name: 'count',
          arguments: { to: 100, intervalMs: 100 },
          _meta: { progressToken: 'c1' },
        },
        requestId,
      ),
      session.headers,
    );
    assert.equal(res.status, 200);
    const reader = new SseReader(res);
    // Wait until the job is really running on the worker: two progress events.
    const seen: SseFrame[] = [];
    while (progressValues(seen).length < 2) {
      const f = await reader.next(5_000);
      assert.ok(f, `the stream ended early: ${reader.describe()}`);
      seen.push(f);
    }
    const lastSeenId = seen.at(-1)!.id;
    assert.ok(splitEventId(lastSeenId), `progress events have ids: ${seen.at(-1)!.raw}`);

    const cancelled = nextCancelLog();
    const cancel = await post(
      b,
      {
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId, reason: 'the user changed their mind' },
      },
      session.headers,
    );
    assert.equal(cancel.status, 202);
    assert.equal(await cancel.text(), '', '202 has no body');

    const log = await cancelled;
    assert.equal(log.tool, 'count');
    assert.ok(log.jobId, `the log line names the job: ${JSON.stringify(log)}`);

    const rest = await reader.readToEnd(5_000);
    const all = [...seen, ...rest];
    assert.deepEqual(responsesFor(all, requestId), [], `no response for a cancelled request:\n${reader.describe()}`);
    const progress = progressValues(all);
    assert.ok(progress.length < 100, `the count stopped early (got ${progress.length} progress events)`);
    assert.deepEqual(
      progress,
      progress.map((_, i) => i + 1),
      'progress in order without gaps up to the cancel',
    );

    // "never": a client that resumes the stream later, on B, gets no response either, and the stream ends.
    await sleep(300);
    const resumed = await getStream(b, session, lastSeenId);
    assert.equal(resumed.status, 200, await resumed.clone().text());
    const replay = await new SseReader(resumed).readToEnd(5_000);
    assert.deepEqual(responsesFor(replay, requestId), [], 'no response on a resume either');
    assert.ok(
      progressValues(replay).every((p) => p > progressValues(seen).at(-1)!),
      'a resume only replays later events',
    );

    // The session goes on working.
    const echo = await post(
      a,
      rpcRequest('tools/call', { name: 'echo', arguments: { text: 'after cancel' } }, 'after-1'),
      {
        ...session.headers,
        accept: 'application/json',
      },
    );
    assert.deepEqual(await echo.json(), {
      jsonrpc: '2.0',
      id: 'after-1',
      result: { content: [{ type: 'text', text: 'after cancel' }] },
    });
  });

  test('the SDK client aborting a call sends notifications/cancelled (through B) and the worker stops the job', async () => {
    const lb = createBalancer(fleet);
    lb.route = ({ rpc }) => (rpc === 'notifications/cancelled' ? 'b' : 'a');
    const c = await connectClient(lb);
    try {
      const controller = new AbortController();
      const progress: number[] = [];
      const cancelled = nextCancelLog();
      const call = c.client.callTool({ name: 'count', arguments: { to: 100, intervalMs: 100 } }, undefined, {
        signal: controller.signal,
        onprogress: (p) => {
          progress.push(p.progress);
          if (progress.length === 2) controller.abort('stop counting');
        },
      });
      await assert.rejects(call, 'the aborted call rejects on the client');
      const log = await cancelled;
      assert.equal(log.tool, 'count');

      const callReq = lb.history.find((h) => h.rpc === 'tools/call');
      const cancelReq = lb.history.find((h) => h.rpc === 'notifications/cancelled');
      assert.ok(callReq && cancelReq, `history: ${lb.history.map((h) => `${h.http} ${h.rpc} → ${h.node}`).join(', ')}`);
      assert.equal(cancelReq.node, 'front-b');
      // The worker can log the cancel before the 202 of the cancel POST has been recorded: wait for that answer.
      await eventually(() => cancelReq.status !== undefined, 5_000, 'the cancel POST was answered');
      assert.equal(cancelReq.status, 202);
      const callId = (callReq.body as { id: unknown }).id;
      assert.equal((cancelReq.body as { params: { requestId: unknown } }).params.requestId, callId);

      await sleep(500);
      assert.ok(progress.length < 10, `progress stopped after the abort (got ${progress.join(',')})`);
      // The client can go on using the session.
      const r = await c.client.callTool({ name: 'echo', arguments: { text: 'still alive' } });
      assert.deepEqual(r.content, [{ type: 'text', text: 'still alive' }]);
    } finally {
      await c.close();
    }
  });

  test('cancelling a finished request, or an unknown one, is accepted (202) and harmless', async () => {
    const a = fleet.front('a').url;
    const b = fleet.front('b').url;
    const session = await openSession(a);
    const done = await post(
      a,
      rpcRequest('tools/call', { name: 'count', arguments: { to: 2, intervalMs: 10 } }, 41),
      session.headers,
    );
    const frames = await new SseReader(done).readToEnd();
    assert.equal(responsesFor(frames, 41).length, 1, 'the call completed');

    const before = cancelLogCount();
    for (const requestId of [41, 'never-sent', 999_999]) {
      const res = await post(
        b,
        { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId } },
        session.headers,
      );
      assert.equal(res.status, 202, `cancel ${JSON.stringify(requestId)}: ${await res.clone().text()}`);
      assert.equal(await res.text(), '');
    }
    // A cancel without a requestId is invalid and ignored, not an error for the client.
    const invalid = await post(b, { jsonrpc: '2.0', method: 'notifications/cancelled', params: {} }, session.headers);
    assert.equal(invalid.status, 202);
    await invalid.text();

    // Start a call after the stray cancels: it runs to completion, nothing was left armed.
    const after = await post(
      b,
      rpcRequest(
        'tools/call',
        {
          name: 'count',
          arguments: { to: 3, intervalMs: 20 },
        },
        42,
      ),
      session.headers,
    );
    const afterFrames = await new SseReader(after).readToEnd();
    const answers = responsesFor(afterFrames, 42);
    assert.equal(answers.length, 1, `a later call completes: ${afterFrames.map((f) => f.raw).join('\n')}`);
    assert.deepEqual((answers[0]!.result as { content: unknown }).content, [{ type: 'text', text: 'counted to 3' }]);
    await sleep(200);
    assert.equal(cancelLogCount(), before, 'no job was cancelled');
  });
});
