// Who a task belongs to, and where its keys are: the one place that says it. A task is readable, updatable,
// cancellable and listable only by its owner; anyone else is told it does not exist. An authenticated caller's tasks
// are its principal's, from any session or node. Without authentication the owner is, in the session era, the
// session that created the task, and in 2026-07-28 (no sessions) the anonymous principal — there the unguessable task
// id alone is the capability. A task's keys are under the caller's principal either way (taskRef).
import { taskNamespace, type SessionRef } from '@mcp-fleet/shared';
import type { RequestOrigin } from '../protocol/origin.ts';

export function taskOwner(origin: RequestOrigin): string {
  if (origin.caller.via !== 'anonymous' || origin.era === 'modern') return `principal:${origin.session.principal}`;
  return `session:${origin.session.sessionId}`;
}

/** The namespace of a task's keys, as this caller would have created it. */
export function taskRef(origin: RequestOrigin, taskId: string): SessionRef {
  return taskNamespace(origin.session.principal, taskId);
}
