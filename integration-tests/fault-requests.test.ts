// Clients misbehave: a request id reused while its call runs, several GET streams opened at once on one session,
// connections reset before the answer. Two front nodes and one worker, as separate processes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FleetKeys, defineScripts, openStream, randomId, requestField } from '@mcp-fleet/shared';
import { startFleet, type Fleet } from './harness/fleet.ts';
import { auditProgress } from './harness/follow.ts';
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

const PACKS = `examples,${fileURLToPath(new URL('./fixtures/side-effect-pack.ts', import.meta.url))}`;
let fleet: Fleet;
const scratch = mkdtempSync(join(tmpdir(), 'mcpf-requests-'));

before(async () => {
  fleet = await startFleet({ fronts: 2, workers: 1, env: { TOOL_PACKS: PACKS } });
});
after(async () => {
  await fleet?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').length : 0);

describe('a request id reused while its call runs (a client retrying a request whose answer it lost)', () => {
  test('the same request again is attached to the running call: one run, the whole stream, one result', async () => {
    const file = join(scratch, 'dup-same.txt');
    const s = await openSession(fleet.front('a').url);
    const body = rpcRequest('tools/call', { name: 'slow_write', arguments: { ms: 1500, file } }, 'dup-1');
    const first = new SseReader(await post(fleet.front('a').url, body, s.headers));
    await first.next(5000);
    await sleep(300);
    const again = await post(fleet.front('b').url, body, s.headers);
    assert.equal(again.status, 200);
    const frames = await new SseReader(again).readToEnd(15_000);
    const answers = frames.map(frameMessage).filter((m) => m && 'result' in m);
    assert.equal(answers.length, 1, `one result on the retry: ${frames.map((f) => f.raw).join(' || ')}`);
    assert.equal(answers[0]!.id, 'dup-1');
    assert.match(JSON.stringify(answers[0]!.result), /wrote after 1500 ms/);
    // The first connection was taken over (each message goes on one stream) and ended without the answer.
    const firstRest = (await first.readToEnd(5000)).map(frameMessage).filter((m) => m && 'result' in m);
    assert.equal(firstRest.length, 0);
    assert.equal(lines(file), 1, 'the tool ran once');
  });

  test('a different request under an id in flight is refused with -32600; the running call is unharmed', async () => {
    const s = await openSession(fleet.front('a').url);
    const running = post(
      fleet.front('a').url,
      rpcRequest(
        'tools/call',
        { name: 'count', arguments: { to: 10, intervalMs: 100 }, _meta: { progressToken: 'p' } },
        'dup-2',
      ),
      s.headers,
    );
    const reader = new SseReader(await running);
    await reader.next(5000);
    const other = await post(
      fleet.front('b').url,
      rpcRequest('tools/call', { name: 'echo', arguments: { text: 'other' } }, 'dup-2'),
      s.headers,
    );
    const body = (await other.json()) as { id: unknown; error: { code: number; message: string } };
    assert.equal(other.status, 200);
    assert.deepEqual([body.id, body.error.code], ['dup-2', -32600]);
    assert.match(body.error.message, /already used by another request in progress/);
    const msgs = (await reader.readToEnd(10_000)).map(frameMessage).filter(Boolean) as Record<string, unknown>[];
    const progress = msgs
      .filter((m) => m.method === 'notifications/progress')
      .map((m) => (m.params as { progress: number }).progress);
    assert.deepEqual(auditProgress(progress, 10), { lost: 0, duplicated: 0, outOfOrder: 0 });
    assert.match(JSON.stringify(msgs.at(-1)), /counted to 10/);
  });

  test('the refused request never runs, though its job went out with its stream opening', async () => {
    // The front node sends a call's job in the same write as the opening of its stream; the opening refuses a
    // second request under an id in flight, and the worker must then leave that job alone (start-run-3.lua).
    const [kept, refused] = [join(scratch, 'dup-kept.txt'), join(scratch, 'dup-refused.txt')];
    const s = await openSession(fleet.front('a').url);
    const call = (file: string, ms: number) =>
      rpcRequest('tools/call', { name: 'slow_write', arguments: { ms, file } }, 'dup-4');
    const first = new SseReader(await post(fleet.front('a').url, call(kept, 800), s.headers));
    await first.next(5000);
    const other = await post(fleet.front('b').url, call(refused, 0), s.headers);
    const body = (await other.json()) as { id: unknown; error: { code: number } };
    assert.deepEqual([body.id, body.error.code], ['dup-4', -32600]);
    const answers = (await first.readToEnd(10_000)).map(frameMessage).filter((m) => m && 'result' in m);
    assert.match(JSON.stringify(answers[0]?.result), /wrote after 800 ms/);
    await sleep(500); // the refused job has long been taken by the worker (it is idle)
    assert.deepEqual([lines(kept), lines(refused)], [1, 0], 'the first request ran once, the refused one never');
  });

  test('cancelling the id stops the one call it names; afterwards the id is free again', async () => {
    const file = join(scratch, 'dup-cancel.txt');
    const s = await openSession(fleet.front('a').url);
    const body = rpcRequest('tools/call', { name: 'slow_write', arguments: { ms: 2000, file } }, 'dup-3');
    const first = new SseReader(await post(fleet.front('a').url, body, s.headers));
    await first.next(5000);
    const second = new SseReader(await post(fleet.front('b').url, body, s.headers));
    await second.next(5000);
    const cancel = await post(
      fleet.front('a').url,
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'dup-3', reason: 'changed my mind' } },
      s.headers,
    );
    assert.equal(cancel.status, 202);
    const rest = (await second.readToEnd(10_000)).map(frameMessage).filter((m) => m && ('result' in m || 'error' in m));
    assert.equal(rest.length, 0, 'a cancelled call has no answer');
    await sleep(2500);
    assert.equal(lines(file), 0, 'the one job was stopped before its effect');

    const reused = await post(
      fleet.front('b').url,
      rpcRequest('tools/call', { name: 'echo', arguments: { text: 'free' } }, 'dup-3'),
      s.headers,
    );
    const answer = (await new SseReader(reused).readToEnd()).map(frameMessage).filter(Boolean).at(-1)!;
    assert.deepEqual(answer.result, { content: [{ type: 'text', text: 'free' }] });
  });

  test('an id whose call never started (its node died before enqueueing it) runs when the request comes again', async () => {
    const s = await openSession(fleet.front('a').url);
    const ref = { principal: 'anon', sessionId: s.sessionId };
    // What a front node leaves behind when it dies between opening the call's stream and adding its job: the
    // in-flight entry and the stream's meta, written by the same script the node runs, and no job.
    const redis = fleet.redisClient('orphan');
    defineScripts(redis);
    const orphanJob = randomId();
    const keys = new FleetKeys(fleet.keyPrefix);
    await openStream(
      redis,
      { meta: keys.streamMeta(ref, orphanJob), inflight: keys.inflight(ref) },
      { ttlMs: 60_000, requestField: requestField('orphan-1'), jobId: orphanJob, wakeChannel: 'gone', digest: '' },
    );
    const again = await post(
      fleet.front('b').url,
      rpcRequest('tools/call', { name: 'echo', arguments: { text: 'started now' } }, 'orphan-1'),
      s.headers,
    );
    assert.equal(again.status, 200);
    const answer = (await new SseReader(again).readToEnd(10_000)).map(frameMessage).filter(Boolean).at(-1);
    assert.deepEqual(answer?.result, { content: [{ type: 'text', text: 'started now' }] }, 'answered, not attached');
    assert.equal(answer?.id, 'orphan-1');
    redis.disconnect();
  });
});

describe('several GET streams opened at once on one session', () => {
  test('exactly one stays open (the last claim), the others end; no response is left open untracked', async () => {
    const s = await openSession(fleet.front('a').url);
    const opens = Array.from({ length: 6 }, (_, i) => getStream(fleet.front(i % 2).url, s));
    const readers = (await Promise.all(opens)).map((r) => {
      assert.equal(r.status, 200);
      return new SseReader(r);
    });
    await eventually(() => readers.filter((r) => !r.ended).length === 1, 5000, 'one GET stream left');
    await sleep(500);
    assert.equal(readers.filter((r) => !r.ended).length, 1, 'still exactly one');
    const open = async () => {
      let n = 0;
      for (const f of fleet.fronts)
        n += ((await (await fetch(new URL('/readyz', f.url))).json()) as { openStreams: number }).openStreams;
      return n;
    };
    assert.equal(await open(), 1, 'the nodes hold one open stream between them');
    // The live one is the session's: a notification to the session arrives on it, once.
    const live = readers.find((r) => !r.ended)!;
    const notify = await post(
      fleet.front('b').url,
      rpcRequest('tools/call', { name: 'set_note', arguments: { text: 'x' } }),
      s.headers,
    );
    await new SseReader(notify).readToEnd();
    await live.cancel();
    await eventually(async () => (await open()) === 0, 5000, 'the closed stream untracked');
  });
});

describe('connections reset before the answer', () => {
  test('a JSON answer nobody can read any more: the call is cancelled', async () => {
    const file = join(scratch, 'reset-json.txt');
    const s = await openSession(fleet.front('a').url);
    const controller = new AbortController();
    // A JSON answer's headers come with the answer: the request is still waiting when the client gives up.
    const pending = post(
      fleet.front('a').url,
      rpcRequest('tools/call', { name: 'slow_write', arguments: { ms: 1500, file } }),
      { ...s.headers, accept: 'application/json' },
      controller.signal,
    ).catch(() => undefined);
    await sleep(300);
    controller.abort();
    await pending;
    await sleep(2500);
    assert.equal(lines(file), 0, 'the tool was stopped when its only reader went away');
  });

  test('a resumable SSE answer: the call goes on, and a resume gets its result', async () => {
    const s = await openSession(fleet.front('a').url);
    const controller = new AbortController();
    const res = await post(
      fleet.front('a').url,
      rpcRequest('tools/call', { name: 'count', arguments: { to: 8, intervalMs: 100 } }, 'reset-sse'),
      s.headers,
      controller.signal,
    );
    const reader = new SseReader(res);
    const priming = await reader.next(5000);
    controller.abort();
    await reader.cancel();
    await sleep(1200);
    const resumed = await getStream(fleet.front('b').url, s, priming!.id);
    const answer = (await new SseReader(resumed).readToEnd()).map(frameMessage).filter(Boolean).at(-1)!;
    assert.equal(answer.id, 'reset-sse');
    assert.match(JSON.stringify(answer.result), /counted to 8/);
  });
});
