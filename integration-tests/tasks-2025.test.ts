// 2025-11-25 tasks with the official v1 SDK client's task API, across two front nodes and two workers (separate
// processes): created on node A, polled and collected on node B; a worker SIGKILLed mid-task; cancel from B;
// input_required answered through tasks/result while the worker is replaced; binding to the session; ttl; paging.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { McpError } from '@modelcontextprotocol/sdk/types.js';
import { CallToolResultSchema, CreateTaskResultSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { startExtraWorker } from './harness/extra-worker.ts';
import { startFleet, type Fleet, type WorkerNode } from './harness/fleet.ts';
import { workerRunning } from './harness/workers.ts';
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
import { connectVersioned, type VersionedClient } from './harness/versions.ts';

const PACKS = `examples,${fileURLToPath(new URL('./fixtures/task-pack.ts', import.meta.url))}`;
const ENV = {
  TOOL_PACKS: PACKS,
  JOB_LOCK_MS: '2000',
  JOB_STALLED_CHECK_MS: '1000',
  TASK_POLL_INTERVAL_MS: '100',
  TASK_LIST_PAGE_SIZE: '2',
};
let fleet: Fleet;
const extra: WorkerNode[] = [];
const clients: VersionedClient[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'mcpf-tasks-'));

before(async () => {
  fleet = await startFleet({ fronts: 2, workers: 2, env: ENV });
});
after(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  for (const w of extra) await w.proc.stop();
  await fleet?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** A 2025-11-25 session whose tools/call go to A and everything else (tasks/*, answers) to B. */
async function client(setup?: VersionedClient['client'] extends infer C ? (c: C) => void : never) {
  const c = await connectVersioned(fleet, {
    version: '2025-11-25',
    streamNode: 'a',
    route: ({ rpc }) => (rpc === 'tools/call' ? 'a' : 'b'),
    capabilities: { elicitation: { form: {} } },
    setup,
  });
  clients.push(c);
  return c;
}

const texts = (r: { content?: unknown }) => (r.content as { text?: string }[]).map((c) => c.text).join('\n');

describe('2025-11-25 tasks: created on A, polled and collected on B', () => {
  test('callToolStream: taskCreated, statuses, and the result the call would have returned', async () => {
    const c = await client();
    const { tools } = await c.client.listTools();
    assert.equal(tools.find((t) => t.name === 'batch_report')?.execution?.taskSupport, 'optional');
    const seen: string[] = [];
    let result: unknown;
    for await (const m of c.client.experimental.tasks.callToolStream(
      { name: 'batch_report', arguments: { items: 5, itemMs: 50 } },
      CallToolResultSchema,
      { task: { ttl: 60_000 } },
    )) {
      seen.push(m.type === 'taskStatus' ? m.task.status : m.type);
      if (m.type === 'result') result = m.result;
      if (m.type === 'error') throw m.error;
    }
    assert.equal(seen[0], 'taskCreated');
    assert.equal(seen.at(-1), 'result');
    const sc = (result as { structuredContent: { lines: string[] } }).structuredContent;
    assert.equal(sc.lines.length, 5);
    assert.equal(
      (result as { _meta?: Record<string, unknown> })._meta?.['io.modelcontextprotocol/related-task'] !== undefined,
      true,
    );
    const where = (rpc: string) => [...new Set(c.sent.filter((s) => s.rpc === rpc).map((s) => s.node))];
    assert.deepEqual(where('tools/call'), ['front-a']);
    assert.deepEqual(where('tasks/get'), ['front-b']);
    assert.deepEqual(where('tasks/result'), ['front-b']);
  });

  test('the task is listed for its session only; another session gets "not found"', async () => {
    const owner = await client();
    const other = await client();
    const created = await owner.client.request(
      { method: 'tools/call', params: { name: 'batch_report', arguments: { items: 1, itemMs: 0 }, task: {} } },
      CreateTaskResultSchema,
    );
    const id = created.task.taskId;
    assert.ok(id.length >= 20, 'an unguessable id');
    const mine = await owner.client.experimental.tasks.listTasks();
    assert.ok(mine.tasks.some((t) => t.taskId === id));
    const theirs = await other.client.experimental.tasks.listTasks();
    assert.ok(!theirs.tasks.some((t) => t.taskId === id));
    await assert.rejects(other.client.experimental.tasks.getTask(id), (e: McpError) => e.code === -32602);
    await assert.rejects(other.client.experimental.tasks.cancelTask(id), (e: McpError) => e.code === -32602);
    await assert.rejects(
      other.client.experimental.tasks.getTaskResult(id, CallToolResultSchema),
      (e: McpError) => e.code === -32602,
    );
  });

  test('tasks/list pages (TASK_LIST_PAGE_SIZE=2) with nextCursor, and a bad cursor is -32602', async () => {
    const c = await client();
    for (let i = 0; i < 3; i++) {
      await c.client.request(
        { method: 'tools/call', params: { name: 'batch_report', arguments: { items: 1, itemMs: 0 }, task: {} } },
        CreateTaskResultSchema,
      );
    }
    const first = await c.client.experimental.tasks.listTasks();
    assert.equal(first.tasks.length, 2);
    assert.ok(first.nextCursor);
    const second = await c.client.experimental.tasks.listTasks(first.nextCursor);
    assert.equal(second.tasks.length, 1);
    assert.equal(second.nextCursor, undefined);
    await assert.rejects(c.client.experimental.tasks.listTasks('%%%'), (e: McpError) => e.code === -32602);
  });

  test('ttl: the task is readable while it lives and "not found" after', async () => {
    const c = await client();
    const created = await c.client.request(
      {
        method: 'tools/call',
        params: { name: 'batch_report', arguments: { items: 1, itemMs: 0 }, task: { ttl: 1500 } },
      },
      CreateTaskResultSchema,
    );
    assert.equal(created.task.ttl, 1500);
    const t = await c.client.experimental.tasks.getTask(created.task.taskId);
    assert.equal(t.ttl, 1500);
    await sleep(2200);
    await assert.rejects(c.client.experimental.tasks.getTask(created.task.taskId), (e: McpError) => e.code === -32602);
  });

  test('-32601 for a task-augmented call of a tool that forbids tasks, and a plain call of one that requires them', async () => {
    const c = await client();
    await assert.rejects(
      c.client.request(
        { method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' }, task: {} } },
        CreateTaskResultSchema,
      ),
      (e: McpError) => e.code === -32601,
    );
    await assert.rejects(
      c.client.callTool({ name: 'task_only', arguments: {} }),
      (e: McpError) => e.code === -32601 && /must be called as a task/.test(e.message),
    );
    const created = await c.client.request(
      { method: 'tools/call', params: { name: 'task_only', arguments: {}, task: {} } },
      CreateTaskResultSchema,
    );
    const result = await c.client.experimental.tasks.getTaskResult(created.task.taskId, CallToolResultSchema);
    assert.equal(texts(result), 'ran as a task');
  });

  test('a ttl above TASK_MAX_TTL_MS is capped, and the task says so', async () => {
    const c = await client();
    const created = await c.client.request(
      {
        method: 'tools/call',
        params: { name: 'batch_report', arguments: { items: 1, itemMs: 0 }, task: { ttl: 10 ** 12 } },
      },
      CreateTaskResultSchema,
    );
    assert.equal(created.task.ttl, 86_400_000);
  });

  test("notifications/tasks/status on the session's GET stream as the task moves (completed at the end)", async () => {
    const c = await client();
    const created = await c.client.request(
      { method: 'tools/call', params: { name: 'batch_report', arguments: { items: 2, itemMs: 50 }, task: {} } },
      CreateTaskResultSchema,
    );
    const statuses = await eventually(
      () => {
        const mine = c.notifications('notifications/tasks/status').filter((n) => n.taskId === created.task.taskId);
        return mine.some((n) => n.status === 'completed') ? mine : undefined;
      },
      10_000,
      'a completed status notification',
    );
    assert.ok(statuses!.every((n) => typeof n.createdAt === 'string' && typeof n.ttl === 'number'));
  });
});

describe('2025-11-25 tasks and failures', () => {
  test('worker SIGKILLed mid-task: retried on the other worker, one result, progress strictly increasing', async () => {
    const c = await client();
    const progress: number[] = [];
    const created = await c.client.request(
      { method: 'tools/call', params: { name: 'batch_report', arguments: { items: 30, itemMs: 100 }, task: {} } },
      CreateTaskResultSchema,
      { onprogress: (p) => progress.push(p.progress) },
    );
    const id = created.task.taskId;
    const collecting = c.client.experimental.tasks.getTaskResult(id, CallToolResultSchema, { timeout: 60_000 });
    await eventually(() => progress.length >= 5, 10_000, 'five progress notifications');
    const victim = await workerRunning(fleet, `t~${id}`, extra);
    const started = performance.now();
    await victim.kill('SIGKILL');
    const result = await collecting;
    const ms = Math.round(performance.now() - started);
    assert.equal((result.structuredContent as { lines: string[] }).lines.length, 30);
    for (let i = 1; i < progress.length; i++) {
      assert.ok(progress[i]! > progress[i - 1]!, `progress strictly increasing: ${progress.join(',')}`);
    }
    assert.equal(progress.at(-1), 30);
    const t = await c.client.experimental.tasks.getTask(id);
    assert.equal(t.status, 'completed');
    console.log(
      `[tasks-2025] worker killed mid-task: completed on the other worker ${ms} ms later; progress ${progress.length} values, strictly increasing`,
    );
    extra.push(await startExtraWorker(fleet, { nodeId: 'worker-3', toolPacks: PACKS, queue: 'tools', env: ENV }));
  });

  test('a task that is not idempotent, its worker killed: "failed", with a message, and it did not run twice', async () => {
    const c = await client();
    const file = join(scratch, 'oneshot.txt');
    const created = await c.client.request(
      { method: 'tools/call', params: { name: 'oneshot_task', arguments: { ms: 3000, file }, task: {} } },
      CreateTaskResultSchema,
    );
    const id = created.task.taskId;
    const victim = await workerRunning(fleet, `t~${id}`, extra);
    await sleep(500);
    await victim.kill('SIGKILL');
    const t = await eventually(
      async () => {
        const now = await c.client.experimental.tasks.getTask(id);
        return now.status === 'working' ? undefined : now;
      },
      20_000,
      'the task to end',
    );
    assert.equal(t?.status, 'failed');
    assert.match(t?.statusMessage ?? '', /interrupted.*not idempotent/);
    assert.equal(existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').length : 0, 0, 'never written');
    extra.push(await startExtraWorker(fleet, { nodeId: 'worker-4', toolPacks: PACKS, queue: 'tools', env: ENV }));
  });

  test('tasks/cancel on B: "cancelled" before the answer, the job stops, and it stays cancelled', async () => {
    const c = await client();
    const file = join(scratch, 'cancelled.txt');
    const created = await c.client.request(
      { method: 'tools/call', params: { name: 'oneshot_task', arguments: { ms: 2000, file }, task: {} } },
      CreateTaskResultSchema,
    );
    await sleep(300);
    const cancelled = await c.client.experimental.tasks.cancelTask(created.task.taskId);
    assert.equal(cancelled.status, 'cancelled');
    await sleep(2500);
    const later = await c.client.experimental.tasks.getTask(created.task.taskId);
    assert.equal(later.status, 'cancelled');
    assert.equal(existsSync(file), false, 'the cancelled job stopped before its effect');
    await assert.rejects(
      c.client.experimental.tasks.cancelTask(created.task.taskId),
      (e: McpError) => e.code === -32602,
      'a task that ended cannot be cancelled',
    );
  });

  test('input_required: the question arrives on tasks/result (B); the worker is replaced before the answer', async () => {
    const file = join(scratch, 'approved.txt');
    let asked = 0;
    const c = await client((cl) =>
      cl.setRequestHandler(ElicitRequestSchema, async (req) => {
        asked++;
        assert.equal(
          (req.params._meta as Record<string, { taskId?: string }> | undefined)?.[
            'io.modelcontextprotocol/related-task'
          ]?.taskId !== undefined,
          true,
          'the question is tied to its task',
        );
        // Nothing holds the waiting call: every worker can go away and come back while the user thinks.
        const all = [...fleet.workers, ...extra].filter((w) => w.proc.alive);
        for (const w of all) await w.kill('SIGKILL');
        extra.push(await startExtraWorker(fleet, { nodeId: 'worker-5', toolPacks: PACKS, queue: 'tools', env: ENV }));
        return { action: 'accept', content: { ok: true } };
      }),
    );
    const statuses: string[] = [];
    let result: unknown;
    for await (const m of c.client.experimental.tasks.callToolStream(
      { name: 'approve_then_write', arguments: { file } },
      CallToolResultSchema,
      { task: {}, timeout: 60_000 },
    )) {
      if (m.type === 'taskStatus') statuses.push(m.task.status);
      if (m.type === 'result') result = m.result;
      if (m.type === 'error') throw m.error;
    }
    assert.ok(statuses.includes('input_required'), `statuses seen: ${statuses.join(',')}`);
    assert.equal(asked, 1, 'asked once');
    assert.match(texts(result as { content: unknown }), /written/);
    assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 1, 'the effect happened once');
  });
});

describe('2025-11-25 tasks/result and a front node that dies', () => {
  test('tasks/result on a node SIGKILLed mid-wait: resumed with Last-Event-ID on another node, the rest once', async () => {
    const c = await fleet.addFront();
    const s = await openSession(fleet.front('b').url);
    const created = await post(
      fleet.front('b').url,
      rpcRequest('tools/call', {
        name: 'batch_report',
        arguments: { items: 20, itemMs: 100 },
        task: {},
        _meta: { progressToken: 'tp' },
      }),
      s.headers,
    );
    const taskId = ((await created.json()) as { result: { task: { taskId: string } } }).result.task.taskId;
    const first = new SseReader(await post(c.url, rpcRequest('tasks/result', { taskId }, 'tr-1'), s.headers));
    const progress: number[] = [];
    let lastId: string | undefined;
    while (progress.length < 3) {
      const f = await first.next(10_000);
      assert.ok(f, first.describe());
      if (f.id) lastId = f.id;
      const m = frameMessage(f);
      if (m?.method === 'notifications/progress') progress.push((m.params as { progress: number }).progress);
    }
    await c.kill('SIGKILL');
    assert.ok(lastId?.startsWith('~'), `a tasks/result event id: ${lastId}`);
    const rest = await new SseReader(await getStream(fleet.front('a').url, s, lastId)).readToEnd(30_000);
    const messages = rest.map(frameMessage).filter(Boolean) as Record<string, unknown>[];
    for (const m of messages) {
      if (m.method === 'notifications/progress') progress.push((m.params as { progress: number }).progress);
    }
    const answers = messages.filter((m) => 'result' in m || 'error' in m);
    assert.equal(answers.length, 1, 'one answer');
    assert.equal(answers[0]!.id, 'tr-1', "the answer is the tasks/result request's");
    const result = answers[0]!.result as { structuredContent: { lines: string[] }; _meta: Record<string, unknown> };
    assert.equal(result.structuredContent.lines.length, 20);
    assert.deepEqual(result._meta['io.modelcontextprotocol/related-task'], { taskId });
    for (let i = 1; i < progress.length; i++) {
      assert.ok(progress[i]! > progress[i - 1]!, `progress once each, in order: ${progress.join(',')}`);
    }
  });
});
