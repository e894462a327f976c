// Tasks (2025-11-25 experimental tasks; 2026-07-28 `io.modelcontextprotocol/tasks`): a call whose outcome the client
// collects later, from any node. A task is a call like any other — a job writing one stream — whose stream meta also
// holds the task's record (the `t*` fields below), so a status change and the event that causes it are written by
// one script (append-events-n.lua), and a terminal status never changes.
//
// A task's keys live in a namespace of their own, `{<principal>:t~<taskId>}`, so the task id (and the caller's
// principal) find them from any node, and a task outlives the session or request that created it. Its job and its
// stream are `t~<taskId>` (`~` appears in no other job or stream id).
import type { SessionRef } from './keys.ts';

export const TASK_STATUSES = ['working', 'input_required', 'completed', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export function isTerminalStatus(s: string): boolean {
  return s === 'completed' || s === 'failed' || s === 'cancelled';
}

/** The extension identifier of 2026-07-28 tasks. */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';
/** `_meta` key tying a message to a task (2025-11-25). */
export const RELATED_TASK_META = 'io.modelcontextprotocol/related-task';

/** A tool's task support (2025-11-25 `execution.taskSupport`; the same rule decides 2026-07-28 tasks). */
export type TaskSupport = 'forbidden' | 'optional' | 'required';

/** Fields of a task's record in its stream meta hash (one place, like the keys). */
export const TASK_FIELDS = {
  /** the owner the task is bound to (task-binding: a principal, or a session in the session era) */
  owner: 'to',
  status: 'ts',
  statusMessage: 'tm',
  createdAt: 'tc',
  updatedAt: 'tu',
  ttlMs: 'tl',
  pollMs: 'tp',
  tool: 'tn',
  /** the protocol version of the call that created it: which era's shapes it answers in */
  version: 'tv',
  /** 2026-07-28: the client has been given the task (CreateTaskResult); before that it is a plain call */
  announced: 'ta',
} as const;

export function taskNamespace(principal: string, taskId: string): SessionRef {
  return { principal, sessionId: taskJobId(taskId) };
}
export function taskJobId(taskId: string): string {
  return `t~${taskId}`;
}
/** The task a job id belongs to, or undefined for a job that is not a task's. */
export function taskOfJob(jobId: string): string | undefined {
  return jobId.startsWith('t~') ? jobId.slice(2) : undefined;
}

/** A task's record as read from its stream meta. */
export interface TaskRecord {
  taskId: string;
  owner: string;
  status: TaskStatus;
  statusMessage?: string;
  createdAt: number;
  updatedAt: number;
  ttlMs: number;
  pollMs: number;
  tool: string;
  version: string;
  announced: boolean;
}

/** The record in a meta hash (HGETALL), or undefined when the hash holds no task. */
export function parseTaskRecord(taskId: string, h: Record<string, string>): TaskRecord | undefined {
  const f = TASK_FIELDS;
  const status = h[f.status];
  if (!status || !(TASK_STATUSES as readonly string[]).includes(status)) return undefined;
  return {
    taskId,
    owner: h[f.owner] ?? '',
    status: status as TaskStatus,
    statusMessage: h[f.statusMessage] || undefined,
    createdAt: Number(h[f.createdAt]),
    updatedAt: Number(h[f.updatedAt]),
    ttlMs: Number(h[f.ttlMs]),
    pollMs: Number(h[f.pollMs]),
    tool: h[f.tool] ?? '',
    version: h[f.version] ?? '',
    announced: h[f.announced] === '1',
  };
}
