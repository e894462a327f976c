// 2026-07-28 tasks (the io.modelcontextprotocol/tasks extension) on the raw wire, across two front nodes and two
// workers (separate processes): the server decides when a call becomes a task; tasks/get polls it on the other
// node; tasks/update answers what it waits for (while the worker is replaced); tasks/cancel; a worker SIGKILLed
// mid-task; a client that did not declare the extension.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startExtraWorker } from './harness/extra-worker.ts';
import { startFleet, type Fleet, type WorkerNode } from './harness/fleet.ts';
import { parkedJob, workerRunning } from './harness/workers.ts';
import { SseReader, eventually, frameMessage, sleep } from './harness/http.ts';
import { modernCall, modernFetch, type JsonObject, type ModernAnswer } from './harness/modern.ts';

const PACKS = `examples,${fileURLToPath(new URL('./fixtures/task-pack.ts', import.meta.url))}`;
const ENV = { TOOL_PACKS: PACKS, JOB_LOCK_MS: '2000', JOB_STALLED_CHECK_MS: '1000', TASK_SYNC_WINDOW_MS: '300' };
const TASKS = { extensions: { 'io.modelcontextprotocol/tasks': {} }, elicitation: { form: {} } };
let fleet: Fleet;
const extra: WorkerNode[] = [];

before(async () => {
  fleet = await startFleet({ fronts: 2, workers: 2, env: ENV });
});
after(async () => {
  for (const w of extra) await w.proc.stop();
  await fleet?.stop();
});

const a = () => fleet.front('a').url;
const b = () => fleet.front('b').url;

function call(url: string, name: string, args: JsonObject, capabilities: JsonObject = TASKS, meta?: JsonObject) {
  return modernCall(url, {
    method: 'tools/call',
    params: { name, arguments: args },
    envelope: { capabilities },
    extraMeta: meta,
  });
}
function taskRequest(url: string, method: string, params: JsonObject, capabilities: JsonObject = TASKS) {
  return modernCall(url, {
    method,
    params,
    envelope: { capabilities },
    headers: { 'mcp-name': String(params.taskId) },
  });
}
const get = (url: string, taskId: string) => taskRequest(url, 'tasks/get', { taskId });

async function until(url: string, taskId: string, done: (r: JsonObject) => boolean, ms = 20_000): Promise<JsonObject> {
  const found = await eventually(
    async () => {
      const r = (await get(url, taskId)).result;
      return r && done(r) ? r : undefined;
    },
    ms,
    `task ${taskId} to reach the expected state`,
  );
  return found!;
}

function taskIdOf(x: ModernAnswer): string {
  assert.equal(x.result?.resultType, 'task', `a CreateTaskResult: ${x.raw}`);
  return String(x.result!.taskId);
}

describe('2026-07-28: the server decides when a call is a task', () => {
  test('a quick optional-task call answers at once; a long one becomes a task, polled to its result on B', async () => {
    const quick = await call(a(), 'maybe_slow', { ms: 0 });
    assert.equal(quick.result?.resultType, 'complete', quick.raw);
    const slow = await call(a(), 'maybe_slow', { ms: 1500 });
    const slowId = taskIdOf(slow);
    assert.match(JSON.stringify((await until(b(), slowId, (r) => r.status === 'completed')).result), /waited 1500 ms/);
    // batch_report makes itself a task at once (ctx.runAsTask).
    const created = await call(a(), 'batch_report', { items: 4, itemMs: 100 });
    const id = taskIdOf(created);
    for (const k of ['result', 'error', 'inputRequests', 'requestState', 'task']) assert.ok(!(k in created.result!), k);
    const first = (await get(b(), id)).result!;
    assert.equal(first.resultType, 'complete');
    assert.equal(first.taskId, id);
    const done = await until(b(), id, (r) => r.status === 'completed');
    assert.equal(((done.result as JsonObject).structuredContent as { lines: string[] }).lines.length, 4);
    assert.equal(typeof done.ttlMs, 'number');
    assert.equal(typeof done.pollIntervalMs, 'number');
  });

  test('a client without the extension: optional tools run plainly; tasks/* answer -32021 naming the extension', async () => {
    const plain = await call(a(), 'batch_report', { items: 2, itemMs: 10 }, {});
    assert.equal(plain.result?.resultType, 'complete', plain.raw);
    const denied = await taskRequest(b(), 'tasks/get', { taskId: 'whatever-it-is' }, {});
    assert.equal(denied.error?.code, -32021);
    assert.deepEqual(denied.error?.data, {
      requiredCapabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } },
    });
    const unknown = await get(b(), 'no-such-task-0000000000');
    assert.equal(unknown.error?.code, -32602);
  });
});

describe('2026-07-28 tasks and failures', () => {
  test('worker SIGKILLed mid-task: retried on the other worker; completed once', async () => {
    const id = taskIdOf(await call(a(), 'batch_report', { items: 30, itemMs: 100 }));
    await sleep(800);
    const victim = await workerRunning(fleet, `t~${id}`, extra);
    await victim.kill('SIGKILL');
    const done = await until(b(), id, (r) => r.status === 'completed', 40_000);
    assert.equal(((done.result as JsonObject).structuredContent as { lines: string[] }).lines.length, 30);
    extra.push(await startExtraWorker(fleet, { nodeId: 'worker-3', toolPacks: PACKS, queue: 'tools', env: ENV }));
  });

  test('input_required on tasks/get, answered by tasks/update on the other node after the worker was replaced', async () => {
    const id = taskIdOf(await call(a(), 'approve_then_write', { file: '/dev/null' }));
    const waiting = await until(b(), id, (r) => r.status === 'input_required');
    const keys = Object.keys(waiting.inputRequests as JsonObject);
    assert.deepEqual(keys, ['approve']);
    await parkedJob(fleet, `t~${id}`);
    for (const w of [...fleet.workers, ...extra].filter((x) => x.proc.alive)) await w.kill('SIGKILL');
    extra.push(await startExtraWorker(fleet, { nodeId: 'worker-4', toolPacks: PACKS, queue: 'tools', env: ENV }));
    const ignored = await taskRequest(a(), 'tasks/update', {
      taskId: id,
      inputResponses: { nope: { action: 'decline' } },
    });
    assert.deepEqual(ignored.result?.resultType, 'complete', 'an unknown key is ignored');
    const ack = await taskRequest(a(), 'tasks/update', {
      taskId: id,
      inputResponses: { approve: { action: 'accept', content: { ok: true } } },
    });
    assert.equal(ack.result?.resultType, 'complete');
    const done = await until(b(), id, (r) => r.status === 'completed');
    assert.match(JSON.stringify(done.result), /written/);
  });

  test('tasks/cancel from B while it runs on a worker: cancelled, and it stays cancelled', async () => {
    const id = taskIdOf(await call(a(), 'oneshot_task', { ms: 3000 }));
    await sleep(300);
    const ack = await taskRequest(b(), 'tasks/cancel', { taskId: id });
    assert.deepEqual(
      Object.keys(ack.result ?? {}).filter((k) => k !== '_meta'),
      ['resultType'],
    );
    assert.equal((await get(a(), id)).result?.status, 'cancelled');
    await sleep(3200);
    assert.equal((await get(b(), id)).result?.status, 'cancelled');
    const again = await taskRequest(a(), 'tasks/cancel', { taskId: id });
    assert.equal(again.result?.resultType, 'complete', 'cancelling an ended task is acknowledged');
  });
});

describe('2026-07-28: notifications/tasks on subscriptions/listen', () => {
  for (const alsoTools of [false, true]) {
    const also = alsoTools ? ' (with list changes too)' : '';
    test(`the ack names the caller's own tasks; their status changes arrive on another node${also}`, async () => {
      const id = taskIdOf(await call(a(), 'oneshot_task', { ms: 1200 }));
      const ac = new AbortController();
      const res = await modernFetch(b(), {
        method: 'subscriptions/listen',
        params: {
          notifications: { taskIds: [id, 'not-a-task-of-mine-000000'], ...(alsoTools && { toolsListChanged: true }) },
        },
        envelope: { capabilities: TASKS },
        signal: ac.signal,
      });
      assert.equal(res.status, 200);
      const reader = new SseReader(res);
      const seen: JsonObject[] = [];
      try {
        for (;;) {
          const f = await reader.next(15_000);
          assert.ok(f, `the listen stream ended: ${reader.describe()}`);
          const m = frameMessage(f);
          if (!m) continue;
          seen.push(m);
          if (m.method === 'notifications/tasks' && (m.params as JsonObject).status === 'completed') break;
        }
      } finally {
        ac.abort();
      }
      const ack = seen[0]!;
      assert.equal(ack.method, 'notifications/subscriptions/acknowledged');
      assert.deepEqual(((ack.params as JsonObject).notifications as JsonObject).taskIds, [id]);
      if (alsoTools) assert.equal(((ack.params as JsonObject).notifications as JsonObject).toolsListChanged, true);
      const done = seen.at(-1)!.params as JsonObject;
      assert.equal(done.taskId, id);
      assert.match(JSON.stringify(done.result), /wrote after 1200 ms/);
      assert.ok((done._meta as JsonObject)['io.modelcontextprotocol/subscriptionId'] !== undefined);
    });
  }

  test('asking for task notifications without declaring the extension: -32021 naming it', async () => {
    const r = await modernCall(b(), {
      method: 'subscriptions/listen',
      params: { notifications: { taskIds: ['x'] } },
      envelope: { capabilities: {} },
    });
    assert.equal(r.status, 400);
    assert.equal(r.error?.code, -32021);
    assert.deepEqual(r.error?.data, { requiredCapabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } } });
  });
});
