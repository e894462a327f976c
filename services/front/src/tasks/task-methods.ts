// The tasks/* methods of both eras, as planner entries. 2025-11-25 (experimental core tasks): tasks/get, tasks/list,
// tasks/cancel here, tasks/result as a stream (task-result.ts). 2026-07-28 (the io.modelcontextprotocol/tasks
// extension): tasks/get, tasks/update, tasks/cancel, only for a request that declares the extension — checked before
// anything else, so an undeclaring client gets -32021 even for a task that does not exist.
import {
  CancelTaskRequestSchema,
  GetTaskPayloadRequestSchema,
  GetTaskRequestSchema,
  ListTasksRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { FleetError, TASKS_EXTENSION, isTerminalStatus, taskJobId, type Era } from '@mcp-fleet/shared';
import { z } from 'zod';
import { paramsOf } from '../protocol/messages.ts';
import type { MethodSpec, Plan, PlannedRequest, Step } from '../protocol/planner.ts';
import { taskRef } from './task-binding.ts';
import { wireTask } from '@mcp-fleet/shared';

/** The first session-era version with tasks. */
const TASKS_SINCE = '2025-11-25';

const UpdateTaskRequestSchema = z.object({
  method: z.literal('tasks/update'),
  params: z.looseObject({
    taskId: z.string(),
    inputResponses: z.record(z.string(), z.unknown()),
  }),
});

const answer = (result: unknown): Plan => ({ kind: 'answer', result });
/** 2026-07-28 results name their shape: these are all plain results. */
const complete = (result: Record<string, unknown> = {}): Plan => answer({ resultType: 'complete', ...result });

/** The request may use tasks: a 2025-11-25 session, or a 2026-07-28 request that declares the extension. */
function gate(step: Step): void {
  const { origin, req } = step;
  if (origin.era === 'session') {
    if (origin.protocolVersion < TASKS_SINCE) {
      throw new FleetError('METHOD_NOT_FOUND', { args: [req.method], era: 'session' });
    }
    return;
  }
  const extensions = origin.clientCapabilities.extensions as Record<string, unknown> | undefined;
  if (extensions?.[TASKS_EXTENSION] === undefined) {
    throw new FleetError('MISSING_CLIENT_CAPABILITY', {
      era: 'modern',
      args: [req.method, `the ${TASKS_EXTENSION} extension`],
      data: { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
    });
  }
}

function taskIdOf(req: PlannedRequest): string {
  if (req.method === 'tasks/cancel') return paramsOf(CancelTaskRequestSchema, req).params.taskId;
  return paramsOf(GetTaskRequestSchema, req).params.taskId;
}

async function taskGet(step: Step): Promise<Plan> {
  gate(step);
  const { deps, origin } = step;
  const task = await deps.tasks.get(origin, taskIdOf(step.req));
  const detail = await deps.tasks.detail(origin, task, origin.era);
  return origin.era === 'session' ? answer(detail) : complete(detail);
}

async function taskCancel(step: Step): Promise<Plan> {
  gate(step);
  const { deps, origin } = step;
  const task = await deps.tasks.get(origin, taskIdOf(step.req));
  if (isTerminalStatus(task.status)) {
    // 2025-11-25: cancelling a finished task is an error; 2026-07-28: acknowledged like any other.
    if (origin.era === 'session') throw new FleetError('TASK_TERMINAL', { args: [task.taskId, task.status] });
    return complete();
  }
  const cancelled = await deps.tasks.cancel(origin, task);
  await deps.dispatcher.cancelJob(taskRef(origin, task.taskId), taskJobId(task.taskId));
  if (cancelled) await deps.tasks.announceStatus(origin, task.taskId);
  if (origin.era === 'modern') return complete();
  const now = await deps.tasks.get(origin, task.taskId);
  if (!cancelled) throw new FleetError('TASK_TERMINAL', { args: [now.taskId, now.status] });
  return answer(wireTask(now, 'session'));
}

async function taskList(step: Step): Promise<Plan> {
  gate(step);
  const cursor = paramsOf(ListTasksRequestSchema, step.req).params?.cursor;
  const page = await step.deps.tasks.list(step.origin, cursor);
  return answer({
    tasks: page.tasks.map((t) => wireTask(t, 'session')),
    ...(page.nextCursor && { nextCursor: page.nextCursor }),
  });
}

async function taskUpdate(step: Step): Promise<Plan> {
  gate(step);
  const { deps, origin } = step;
  const { taskId, inputResponses } = paramsOf(UpdateTaskRequestSchema, step.req).params;
  const task = await deps.tasks.get(origin, taskId);
  // Answers to questions the task is not waiting for (never asked, answered already) are ignored.
  let delivered = false;
  for (const [key, response] of Object.entries(inputResponses)) {
    const ok = await deps.dispatcher.deliverAnswer(taskRef(origin, task.taskId), taskJobId(task.taskId), key, {
      jsonrpc: '2.0',
      id: key,
      result: response,
    });
    delivered ||= ok;
  }
  // The last answer it waited for makes it `working` again.
  if (delivered) await deps.tasks.announceStatus(origin, task.taskId);
  return complete();
}

/** tasks/result (2025-11-25): blocks until the task ends, on a stream of its own (task-result.ts). */
async function taskResult(step: Step): Promise<Plan> {
  gate(step);
  const { taskId } = paramsOf(GetTaskPayloadRequestSchema, step.req).params;
  const task = await step.deps.tasks.get(step.origin, taskId);
  return { kind: 'taskResult', task };
}

const SESSION: readonly Era[] = ['session'];
const MODERN: readonly Era[] = ['modern'];
const BOTH: readonly Era[] = ['session', 'modern'];

export const TASK_METHODS: Record<string, MethodSpec> = {
  'tasks/get': { eras: BOTH, plan: taskGet },
  'tasks/cancel': { eras: BOTH, plan: taskCancel },
  'tasks/list': { eras: SESSION, plan: taskList },
  'tasks/result': { eras: SESSION, plan: taskResult },
  'tasks/update': { eras: MODERN, plan: taskUpdate },
};
