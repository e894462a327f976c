// A task's state as both sides read it (front nodes for tasks/*, workers to announce status changes): the record,
// the outcome (its stream's last event), the questions it waits for (its job's run hash), and the partial results
// its call has sent. `detailedTask` is the 2026-07-28 DetailedTask — what tasks/get and notifications/tasks carry.
import type { Redis } from 'ioredis';
import type { Era } from './errors.ts';
import { decodeEntries } from './events.ts';
import type { FleetKeys, SessionRef } from './keys.ts';
import { notifySession, type StandaloneRetention } from './notify.ts';
import { PARTIAL_RESULT_METHOD, PARTIAL_RESULTS_META } from './partial-results.ts';
import { wireTask, type TaskEvent } from './task-wire.ts';
import { parseTaskRecord, taskJobId, type TaskRecord } from './tasks.ts';

/** The outcome a finished task holds: its call's response. */
export type TaskOutcome = { result: unknown } | { error: { code: number; message: string; data?: unknown } };

export async function readTask(
  redis: Redis,
  keys: FleetKeys,
  ref: SessionRef,
  taskId: string,
): Promise<TaskRecord | undefined> {
  return parseTaskRecord(taskId, await redis.hgetall(keys.streamMeta(ref, taskJobId(taskId))));
}

/** The response the task's call ended with (its stream's last event), once it has one. */
export async function taskOutcome(
  redis: Redis,
  keys: FleetKeys,
  ref: SessionRef,
  taskId: string,
): Promise<TaskOutcome | undefined> {
  const raw = (await redis.xrevrange(keys.stream(ref, taskJobId(taskId)), '+', '-', 'COUNT', 1)) as [
    string,
    string[],
  ][];
  const last = decodeEntries(raw)[0];
  if (last?.kind !== 'response') return undefined;
  const msg = JSON.parse(last.data) as { result?: unknown; error?: { code: number; message: string } };
  return msg.error ? { error: msg.error } : { result: msg.result };
}

/** The questions the task waits for (asked, not answered), by key. */
export async function taskWaiting(
  redis: Redis,
  keys: FleetKeys,
  ref: SessionRef,
  taskId: string,
): Promise<Record<string, { method: string; params: unknown }>> {
  const h = await redis.hgetall(keys.run(ref, taskJobId(taskId)));
  const out: Record<string, { method: string; params: unknown }> = {};
  for (const [field, value] of Object.entries(h)) {
    if (!field.startsWith('q:')) continue;
    const id = field.slice(2);
    if (h[`a:${id}`] !== undefined) continue;
    const q = JSON.parse(value) as { m: string; p?: unknown };
    out[id] = { method: q.m, params: q.p ?? {} };
  }
  return out;
}

/** The partial results the task's call has sent so far (its client opted in): every chunk's content, in order. */
export async function taskPartials(
  redis: Redis,
  keys: FleetKeys,
  ref: SessionRef,
  taskId: string,
): Promise<{ seq: number; content: unknown[] } | undefined> {
  const raw = (await redis.xrange(keys.stream(ref, taskJobId(taskId)), '-', '+')) as [string, string[]][];
  let out: { seq: number; content: unknown[] } | undefined;
  for (const ev of decodeEntries(raw)) {
    if (ev.kind !== 'message' || !ev.data.includes(PARTIAL_RESULT_METHOD)) continue;
    const m = JSON.parse(ev.data) as { method?: string; params?: { seq: number; content?: unknown[] } };
    if (m.method !== PARTIAL_RESULT_METHOD || !m.params) continue;
    out ??= { seq: -1, content: [] };
    out.seq = m.params.seq;
    out.content.push(...(m.params.content ?? []));
  }
  return out;
}

/**
 * The task as tasks/get shows it, in the era asked: 2025-11-25 the Task; 2026-07-28 the DetailedTask — with what it
 * waits for (input_required), or how it ended (completed: `result`, failed: `error`). Either way the partial
 * results so far, when its client asked for them.
 */
export async function detailedTask(
  redis: Redis,
  keys: FleetKeys,
  ref: SessionRef,
  task: TaskRecord,
  era: Era,
): Promise<Record<string, unknown>> {
  const partial = await taskPartials(redis, keys, ref, task.taskId);
  const meta = partial && { _meta: { [PARTIAL_RESULTS_META]: partial } };
  if (era === 'session') return { ...wireTask(task, 'session'), ...meta };
  const detail: Record<string, unknown> = {};
  if (task.status === 'input_required') detail.inputRequests = await taskWaiting(redis, keys, ref, task.taskId);
  if (task.status === 'completed' || task.status === 'failed') {
    const outcome = await taskOutcome(redis, keys, ref, task.taskId);
    if (outcome) Object.assign(detail, outcome);
  }
  return { ...wireTask(task, 'modern'), ...detail, ...meta };
}

/**
 * Tells the task's client its status changed. 2025-11-25: `notifications/tasks/status` (the Task) on the standalone
 * stream of the session that created it. 2026-07-28: a TaskEvent every front node hears, for the listen streams that
 * asked for this task (`notifications/tasks`, the DetailedTask). Nothing for a call that has not become a task.
 */
export async function announceTaskStatus(
  redis: Redis,
  keys: FleetKeys,
  ref: SessionRef,
  taskId: string,
  to: { session?: SessionRef; retention: StandaloneRetention },
): Promise<void> {
  const task = await readTask(redis, keys, ref, taskId);
  if (!task?.announced) return;
  if (to.session) {
    const params = wireTask(task, 'session');
    await notifySession(redis, keys, to.session, { method: 'notifications/tasks/status', params }, to.retention);
    return;
  }
  const event: TaskEvent = {
    taskId,
    principal: ref.principal,
    params: await detailedTask(redis, keys, ref, task, 'modern'),
  };
  await redis.publish(keys.taskEventsChannel(), JSON.stringify(event));
}
