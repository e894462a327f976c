// A client whose node disappears mid-call resumes the call's stream on another node (GET + Last-Event-ID) and
// sees every event exactly once, in order, then the result.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SseReader,
  connectClient,
  createBalancer,
  frameMessage,
  getStream,
  mediaType,
  openSession,
  post,
  rpcRequest,
  sleep,
  splitEventId,
  startFleet,
  type Fleet,
  type SseFrame,
} from './harness/index.ts';

let fleet: Fleet;

before(async () => {
  // a: killed by the SDK test; b and c: the raw test (so the tests do not depend on their order).
  fleet = await startFleet({ fronts: 3, workers: 1 });
});

after(async () => {
  await fleet?.stop();
});

describe('resume on another node', () => {
  test('raw HTTP: read some events on B, drop the connection, resume on C after the last event id', async () => {
    const b = fleet.front('b').url;
    const c = fleet.front('c').url;
    const session = await openSession(b, '2025-11-25');
    const requestId = 'resume-raw-1';
    const to = 10;
    const controller = new AbortController();
    const res = await post(
      b,
      rpcRequest(
        'tools/call',
        {
          name: 'count',
          arguments: { to, intervalMs: 150 },
          _meta: { progressToken: 'r1' },
        },
        requestId,
      ),
      session.headers,
      controller.signal,
    );
    assert.equal(res.status, 200);
    assert.equal(mediaType(res), 'text/event-stream');
    const reader = new SseReader(res);

    const priming = await reader.next(5_000);
    assert.ok(priming, 'a priming event');
    const primingId = splitEventId(priming.id);
    assert.ok(primingId && primingId.seq === 0, `priming event id <streamId>:0: ${priming.raw}`);
    const streamId = primingId.streamId;

    const before: SseFrame[] = [];
    while (before.length < 3) {
      const f = await reader.nextMessage(5_000);
      assert.ok(f, `the stream ended early: ${reader.describe()}`);
      before.push(f);
    }
    assert.deepEqual(
      before.map((f) => f.id),
      [1, 2, 3].map((n) => `${streamId}:${n}`),
    );
    controller.abort();
    await reader.cancel();

    await sleep(400); // events keep coming while the client is away
    const resumed = await getStream(c, session, `${streamId}:3`);
    assert.equal(resumed.status, 200, await resumed.clone().text());
    assert.equal(mediaType(resumed), 'text/event-stream');
    assert.equal(resumed.headers.get('x-accel-buffering'), 'no');
    const after = (await new SseReader(resumed).readToEnd(10_000)).filter((f) => f.data);

    // Every remaining event exactly once, in order, with contiguous ids on the same stream.
    assert.deepEqual(
      after.map((f) => f.id),
      after.map((_, i) => `${streamId}:${4 + i}`),
      `ids continue at 4 without gaps or repeats:\n${after.map((f) => f.raw).join('\n')}`,
    );
    const messages = after.map((f) => frameMessage(f)!);
    const progress = messages
      .filter((m) => m.method === 'notifications/progress')
      .map((m) => (m.params as { progress: number }).progress);
    assert.deepEqual(progress, [4, 5, 6, 7, 8, 9, 10]);
    const last = messages.at(-1)!;
    assert.equal(last.id, requestId, 'the stream ends with the response');
    assert.deepEqual(last.result, { content: [{ type: 'text', text: `counted to ${to}` }] });
    assert.equal(messages.filter((m) => m.id === requestId).length, 1, 'one response');
  });

  test('SDK client: node A is SIGKILLed mid-call; the transport resumes on B and sees progress 1..20 once, then the result', async () => {
    const lb = createBalancer(fleet, 'a');
    const c = await connectClient(lb);
    try {
      const { tools } = await c.client.listTools();
      const names = tools.map((t) => t.name);
      for (const n of ['echo', 'count', 'fail', 'log_levels'])
        assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);

      const progress: { progress: number; total?: number }[] = [];
      let killed: Promise<void> | undefined;
      const result = await c.client.callTool({ name: 'count', arguments: { to: 20, intervalMs: 100 } }, undefined, {
        resetTimeoutOnProgress: true,
        timeout: 30_000,
        onprogress: (p) => {
          progress.push({ progress: p.progress, total: p.total });
          if (progress.length === 5 && !killed) {
            lb.target = 'b'; // the "load balancer" notices A is gone
            killed = fleet.front('a').kill('SIGKILL');
          }
        },
      });
      assert.ok(killed, 'A was killed during the call');
      await killed;
      assert.equal(fleet.front('a').proc.alive, false, 'A is dead');

      assert.deepEqual(result.content, [{ type: 'text', text: 'counted to 20' }]);
      assert.deepEqual(
        progress,
        Array.from({ length: 20 }, (_, i) => ({ progress: i + 1, total: 20 })),
        'each progress value exactly once, in order',
      );

      // The resume really happened: a GET with Last-Event-ID of the call's stream, answered by B.
      const callOnA = lb.history.find((h) => h.rpc === 'tools/call');
      assert.equal(callOnA?.node, 'front-a');
      const resumes = lb.history.filter(
        (h) => h.http === 'GET' && h.headers.get('last-event-id') && h.node === 'front-b',
      );
      const seqs = resumes.map((h) => splitEventId(h.headers.get('last-event-id')!)?.seq ?? -1);
      assert.ok(
        resumes.some((h) => h.status === 200) && seqs.some((s) => s >= 5),
        `a resume GET on B after event 5: ${lb.history.map((h) => `${h.http} ${h.rpc ?? ''} ${h.headers.get('last-event-id') ?? ''} → ${h.node} ${h.status ?? h.error}`).join('; ')}`,
      );

      // The session carries on against B.
      const echo = await c.client.callTool({ name: 'echo', arguments: { text: 'after failover' } });
      assert.deepEqual(echo.content, [{ type: 'text', text: 'after failover' }]);
    } finally {
      await c.close();
    }
  });
});
