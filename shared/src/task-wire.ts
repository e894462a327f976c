// A task on the wire, in the era of the request that reads it: 2025-11-25 (`ttl`, `pollInterval`) or the
// 2026-07-28 tasks extension (`ttlMs`, `pollIntervalMs`).
import type { Era } from './errors.ts';
import type { TaskRecord } from './tasks.ts';

export function wireTask(t: TaskRecord, era: Era): Record<string, unknown> {
  const base: Record<string, unknown> = {
    taskId: t.taskId,
    status: t.status,
    ...(t.statusMessage && { statusMessage: t.statusMessage }),
    createdAt: new Date(t.createdAt).toISOString(),
    lastUpdatedAt: new Date(t.updatedAt).toISOString(),
  };
  return era === 'session'
    ? { ...base, ttl: t.ttlMs, pollInterval: t.pollMs }
    : { ...base, ttlMs: t.ttlMs, pollIntervalMs: t.pollMs };
}

/** A task status change, as every front node hears it (keys.taskEventsChannel): for 2026-07-28 listen streams. */
export interface TaskEvent {
  taskId: string;
  /** the principal of the task's namespace: a listener hears only its own principal's tasks */
  principal: string;
  /** the `notifications/tasks` params: the task as tasks/get would show it now */
  params: Record<string, unknown>;
}
