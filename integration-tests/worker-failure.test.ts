// A worker dies mid-call (SIGKILL). BullMQ notices the stalled job once its lock expires, and another worker takes
// it: an idempotent tool is re-run and the client, still connected to its front node, sees progress keep increasing
// (never repeated) and exactly one result; a tool that is not idempotent is not run twice — its caller gets a clear
// error result instead.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startExtraWorker } from './harness/extra-worker.ts';
import { startFleet, type Fleet, type WorkerNode } from './harness/fleet.ts';
import { SseReader, frameMessage, openSession, post, rpcRequest } from './harness/http.ts';

const PACKS = `examples,${fileURLToPath(new URL('./fixtures/side-effect-pack.ts', import.meta.url))}`;
const WORKER_ENV = { TOOL_PACKS: PACKS, JOB_LOCK_MS: '2000', JOB_STALLED_CHECK_MS: '1000' };
let fleet: Fleet;
const extra: WorkerNode[] = [];

before(async () => {
  fleet = await startFleet({ fronts: 1, workers: 1, env: WORKER_ENV });
});
after(async () => {
  for (const w of extra) await w.proc.stop();
  await fleet?.stop();
});

/** Kills the worker currently running jobs and starts a fresh one on the same queue. */
async function replaceWorker(victim: WorkerNode, name: string): Promise<WorkerNode> {
  await victim.kill('SIGKILL');
  const next = await startExtraWorker(fleet, { nodeId: name, toolPacks: PACKS, queue: 'tools', env: WORKER_ENV });
  extra.push(next);
  return next;
}

test('an idempotent call survives its worker: progress keeps increasing, one result', async () => {
  const url = fleet.front('a').url;
  const s = await openSession(url);
  const res = await post(
    url,
    rpcRequest('tools/call', { name: 'count', arguments: { to: 30, intervalMs: 100 }, _meta: { progressToken: 'p' } }),
    s.headers,
  );
  assert.equal(res.status, 200);
  const reader = new SseReader(res);
  const progress: number[] = [];
  const results: unknown[] = [];
  // Read until progress 5, then kill the worker.
  while (progress.length < 5) {
    const f = await reader.nextMessage(10_000);
    const m = f && frameMessage(f);
    if (m?.method === 'notifications/progress') progress.push((m.params as { progress: number }).progress);
  }
  await replaceWorker(fleet.workers[0]!, 'worker-2');
  for (const f of await reader.readToEnd(60_000)) {
    const m = frameMessage(f);
    if (m?.method === 'notifications/progress') progress.push((m.params as { progress: number }).progress);
    else if (m && 'result' in m) results.push(m.result);
  }
  assert.equal(results.length, 1, 'exactly one result');
  assert.deepEqual(results[0], { content: [{ type: 'text', text: 'counted to 30' }] });
  for (let i = 1; i < progress.length; i++)
    assert.ok(progress[i]! > progress[i - 1]!, `progress strictly increasing: ${progress.join(',')}`);
  assert.equal(progress.at(-1), 30);
});

test('a call that is not idempotent is not run twice: a clear error result', async () => {
  const url = fleet.front('a').url;
  const s = await openSession(url);
  const res = await post(url, rpcRequest('tools/call', { name: 'slow_write', arguments: { ms: 60_000 } }), s.headers);
  assert.equal(res.status, 200);
  const reader = new SseReader(res);
  await new Promise((r) => setTimeout(r, 500)); // the job is running on the current worker
  await replaceWorker(extra.at(-1)!, 'worker-3');
  const messages = (await reader.readToEnd(60_000)).map(frameMessage).filter(Boolean) as Record<string, unknown>[];
  const result = messages.at(-1)?.result as { isError?: boolean; content: { text: string }[] };
  assert.equal(result.isError, true, JSON.stringify(messages));
  assert.match(
    result.content[0]!.text,
    /interrupted \(its worker stopped\) and is not idempotent, so it was not run again/,
  );
});
