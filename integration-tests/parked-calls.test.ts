// A call waiting for the client's answer holds no worker: it parks (its job is delayed in BullMQ, its questions and
// answers live in Redis) and runs again from the start when answered. So many unanswered questions do not stall
// other calls, and a worker restart while they wait costs nothing. One worker with 2 execution slots, two front
// nodes, separate processes; both eras.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startExtraWorker } from './harness/extra-worker.ts';
import { startFleet, type Fleet, type WorkerNode } from './harness/fleet.ts';
import { SseReader, frameMessage, openSession, post, rpcRequest, type RawSession } from './harness/http.ts';
import { modernCall, textOf, type JsonObject } from './harness/modern.ts';

const SLOTS = 2;
const WAITING = 8; // four times the worker's slots
let fleet: Fleet;
let extra: WorkerNode | undefined;

before(async () => {
  fleet = await startFleet({ fronts: 2, workers: 1, env: { WORKER_CONCURRENCY: String(SLOTS) } });
});
after(async () => {
  await extra?.proc.stop();
  await fleet?.stop();
});

/** Replaces the fleet's worker: SIGKILL, then a new process on the same queue. */
async function restartWorker(name: string): Promise<void> {
  const old = extra ?? fleet.workers[0]!;
  await old.kill('SIGKILL');
  extra = await startExtraWorker(fleet, {
    nodeId: name,
    toolPacks: 'examples',
    queue: 'tools',
    env: { WORKER_CONCURRENCY: String(SLOTS) },
  });
}

/** An echo call on its own session; resolves its text and how long it took. */
async function echo(url: string, text: string): Promise<{ text: string; ms: number }> {
  const started = performance.now();
  const s = await openSession(url);
  const res = await post(url, rpcRequest('tools/call', { name: 'echo', arguments: { text } }), s.headers);
  const answer = (await new SseReader(res).readToEnd(10_000)).map(frameMessage).find((m) => m && 'result' in m);
  const content = (answer?.result as { content?: { text?: string }[] } | undefined)?.content;
  return { text: content?.[0]?.text ?? JSON.stringify(answer), ms: Math.round(performance.now() - started) };
}

describe('2025-11-25: elicitations nobody has answered yet', () => {
  test(`${WAITING} waiting calls leave the ${SLOTS} slots free; a worker restart loses none of them`, async () => {
    const a = fleet.front('a').url;
    const b = fleet.front('b').url;
    const waiting: { s: RawSession; reader: SseReader; question: Record<string, unknown> }[] = [];
    for (let i = 0; i < WAITING; i++) {
      const s = await openSession(a, '2025-11-25', { elicitation: { form: {} } });
      const res = await post(
        a,
        rpcRequest('tools/call', { name: 'ask_user', arguments: { question: `q${i}` } }),
        s.headers,
      );
      const reader = new SseReader(res);
      let question: Record<string, unknown> | undefined;
      while (!question) {
        const frame = await reader.next(10_000);
        assert.ok(frame, `call ${i}: the stream ended before its elicitation: ${reader.describe()}`);
        const m = frameMessage(frame);
        if (m?.method === 'elicitation/create') question = m;
      }
      waiting.push({ s, reader, question });
    }
    const free = await echo(b, 'still served');
    assert.equal(free.text, 'still served', 'a call after the waiting ones is served at once');
    console.log(
      `[parked-calls] 2025-11-25: ${WAITING} calls waiting on ${SLOTS} slots; an echo answered in ${free.ms} ms`,
    );

    await restartWorker('worker-r1');
    // Each answer goes to the other node; the call's stream (on A) carries the result.
    await Promise.all(
      waiting.map(({ s, question }, i) =>
        post(
          b,
          { jsonrpc: '2.0', id: question.id, result: { action: 'accept', content: { answer: `a${i}` } } },
          s.headers,
        ),
      ),
    );
    const texts = await Promise.all(
      waiting.map(async ({ reader }) => {
        const rest = (await reader.readToEnd(15_000)).map(frameMessage);
        const results = rest.filter((m) => m && 'result' in m);
        assert.equal(results.length, 1, `one result per call: ${reader.describe()}`);
        return (results[0]!.result as { content: { text: string }[] }).content[0]!.text;
      }),
    );
    assert.deepEqual(
      texts,
      waiting.map((_, i) => `the user answered: a${i}`),
    );
  });
});

describe('2025-11-25: a parked call cancelled', () => {
  test('notifications/cancelled on the other node ends its stream with no result; a late answer changes nothing', async () => {
    const a = fleet.front('a').url;
    const b = fleet.front('b').url;
    const s = await openSession(a, '2025-11-25', { elicitation: { form: {} } });
    const body = rpcRequest('tools/call', { name: 'ask_user', arguments: { question: 'cancel me' } }, 'parked-cancel');
    const reader = new SseReader(await post(a, body, s.headers));
    let question: Record<string, unknown> | undefined;
    while (!question) {
      const frame = await reader.next(10_000);
      assert.ok(frame, `the stream ended before the elicitation: ${reader.describe()}`);
      const m = frameMessage(frame);
      if (m?.method === 'elicitation/create') question = m;
    }
    const cancel = await post(
      b,
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'parked-cancel' } },
      s.headers,
    );
    assert.equal(cancel.status, 202);
    const rest = (await reader.readToEnd(10_000)).map(frameMessage).filter((m) => m && ('result' in m || 'error' in m));
    assert.deepEqual(rest, [], `a cancelled call has no response: ${reader.describe()}`);
    const late = await post(
      b,
      { jsonrpc: '2.0', id: question.id, result: { action: 'accept', content: { answer: 'too late' } } },
      s.headers,
    );
    assert.equal(late.status, 202);
    // The id is free again: a new call under it runs normally.
    const again = await post(
      b,
      rpcRequest('tools/call', { name: 'echo', arguments: { text: 'free' } }, 'parked-cancel'),
      s.headers,
    );
    const answer = (await new SseReader(again).readToEnd(10_000)).map(frameMessage).find((m) => m && 'result' in m);
    assert.deepEqual(answer?.result, { content: [{ type: 'text', text: 'free' }] });
  });
});

describe('2026-07-28: calls parked between MRTR rounds', () => {
  test(`${WAITING} unanswered input_required calls hold no slot; their retries complete after a worker restart`, async () => {
    const a = fleet.front('a').url;
    const b = fleet.front('b').url;
    const capabilities = { elicitation: { form: {} } };
    const rounds: { state: string; key: string }[] = [];
    for (let i = 0; i < WAITING; i++) {
      const first = await modernCall(a, {
        method: 'tools/call',
        params: { name: 'ask_user', arguments: { question: `m${i}` } },
        envelope: { capabilities },
      });
      const r = first.result as JsonObject;
      assert.equal(r?.resultType, 'input_required', first.raw);
      rounds.push({ state: String(r.requestState), key: Object.keys(r.inputRequests as JsonObject)[0]! });
    }
    const free = await modernCall(b, {
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'modern still served' } },
    });
    assert.equal(textOf(free.result), 'modern still served');

    await restartWorker('worker-r2');
    const answers = await Promise.all(
      rounds.map(({ state, key }, i) =>
        modernCall(b, {
          method: 'tools/call',
          params: {
            name: 'ask_user',
            arguments: { question: `m${i}` },
            requestState: state,
            inputResponses: { [key]: { action: 'accept', content: { answer: `n${i}` } } },
          },
          envelope: { capabilities },
        }),
      ),
    );
    assert.deepEqual(
      answers.map((x) => textOf(x.result)),
      rounds.map((_, i) => `the user answered: n${i}`),
    );
  });
});
