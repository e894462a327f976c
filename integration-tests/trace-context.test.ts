// W3C trace context from the client to the worker: a request's `_meta.traceparent` (SEP-414), or else its HTTP
// `traceparent` header, becomes the parent of the worker's span, so the worker's `call done` log line (debug)
// carries the caller's trace id — in the 2026-07-28 era (v2 client and raw), for every job method, and in the
// session era. An invalid traceparent is not adopted.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startFleet, type Fleet, type LogEntry } from './harness/index.ts';
import { connectVersioned, resultText, type VersionedClient } from './harness/versions.ts';
import {
  alternate,
  complaints,
  connectModern,
  modernCall,
  nextLog,
  textOf,
  type ModernClient,
} from './harness/modern.ts';

let fleet: Fleet;
let mc: ModernClient;
let v1: VersionedClient;

before(async () => {
  // The worker logs `call done` (with traceId) at debug.
  fleet = await startFleet({ fronts: 2, workers: 1, workerEnv: [{ LOG_LEVEL: 'debug' }] });
  mc = await connectModern(fleet, { route: alternate(fleet) });
  v1 = await connectVersioned(fleet, { version: '2025-11-25', streamNode: 'a', route: () => 'b', name: 'trace-v1' });
});

after(async () => {
  await mc?.close();
  await v1?.close();
  for (const f of fleet?.fronts ?? []) {
    const c = complaints(f.proc);
    if (c.length) console.log(`[trace-context] ${f.nodeId} warnings/stderr:\n${c.join('\n')}`);
  }
  await fleet?.stop();
});

function newTrace(): { traceId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}

/** The worker's `call done` line carrying `traceId`. */
function callDone(traceId: string): Promise<LogEntry> {
  return fleet.workers[0]!.waitForLog(
    (e) => e.msg === 'call done' && e.traceId === traceId,
    5_000,
    `"call done" with traceId ${traceId}`,
  );
}

describe('trace context reaches the worker', () => {
  test("modern tools/call from the v2 client: _meta.traceparent → the worker span's trace id", async () => {
    for (let i = 0; i < 2; i++) {
      // alternating: once through each front node
      const t = newTrace();
      const r = await mc.client.callTool({
        name: 'echo',
        arguments: { text: `traced ${i}` },
        _meta: { traceparent: t.traceparent },
      });
      assert.equal(textOf(r), `traced ${i}`);
      const sent = mc.lb.posts('tools/call').at(-1)!;
      assert.equal(
        (sent.body!.params as { _meta: Record<string, unknown> })._meta.traceparent,
        t.traceparent,
        'the client sent it',
      );
      const log = await callDone(t.traceId);
      assert.equal(log.target, 'echo');
      assert.equal(log.method, 'tools/call');
    }
    const nodes = new Set(mc.lb.posts('tools/call').map((e) => e.node));
    assert.deepEqual(nodes, new Set(['front-a', 'front-b']));
  });

  test('modern resources/read and prompts/get carry it too', async () => {
    const read = newTrace();
    await mc.client.readResource({ uri: 'greeting://Grace', _meta: { traceparent: read.traceparent } });
    assert.equal((await callDone(read.traceId)).method, 'resources/read');

    const prompt = newTrace();
    await mc.client.getPrompt({
      name: 'summarize',
      arguments: { text: 't' },
      _meta: { traceparent: prompt.traceparent },
    });
    assert.equal((await callDone(prompt.traceId)).method, 'prompts/get');
  });

  test('raw modern call: the HTTP traceparent header is used when _meta has none; _meta wins when both are there', async () => {
    const header = newTrace();
    const a = await modernCall(fleet.front('a').url, {
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'h' } },
      headers: { traceparent: header.traceparent },
    });
    assert.equal(textOf(a.result), 'h', a.raw);
    await callDone(header.traceId);

    const inMeta = newTrace();
    const inHeader = newTrace();
    const b = await modernCall(fleet.front('b').url, {
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'both' } },
      extraMeta: { traceparent: inMeta.traceparent },
      headers: { traceparent: inHeader.traceparent },
    });
    assert.equal(textOf(b.result), 'both', b.raw);
    await callDone(inMeta.traceId);
    assert.equal(
      fleet.workers[0]!.proc.findLogs((e) => e.traceId === inHeader.traceId).length,
      0,
      'the header trace was not used',
    );
  });

  test('an invalid traceparent (zero span id) is not adopted', async () => {
    const traceId = randomBytes(16).toString('hex');
    const done = nextLog(
      fleet.workers[0]!.proc,
      (e) => e.msg === 'call done' && e.target === 'add',
      5_000,
      '"call done" of add',
    );
    const r = await modernCall(fleet.front('a').url, {
      method: 'tools/call',
      params: { name: 'add', arguments: { a: 1, b: 2 } },
      extraMeta: { traceparent: `00-${traceId}-0000000000000000-01` },
    });
    assert.deepEqual(r.result?.structuredContent, { sum: 3 }, r.raw);
    const log = await done;
    assert.notEqual(log.traceId, traceId);
  });

  test('session era (2025-11-25, v1 client): _meta.traceparent on tools/call reaches the worker too', async () => {
    const t = newTrace();
    const r = await v1.client.callTool({
      name: 'echo',
      arguments: { text: 'v1 traced' },
      _meta: { traceparent: t.traceparent },
    });
    assert.equal(resultText(r), 'v1 traced');
    const log = await callDone(t.traceId);
    assert.equal(log.session, v1.sessionId, 'the job ran for the v1 session');
  });
});
