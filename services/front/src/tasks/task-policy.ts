// Whether a tools/call runs as a task: the tool's `execution.taskSupport`, the request's era, and what the client
// asked or declared. 2025-11-25: the client asks (`params.task`); a tool that forbids it answers -32601, and so does a
// tool that requires it when the client did not ask. 2026-07-28 (tasks extension): the server decides — a tool that
// requires a task gets one (a client that did not declare the extension gets -32021); an optional one becomes a task
// only if it outlasts TASK_SYNC_WINDOW_MS. Older versions know no tasks: every call runs as a plain call.
import { FleetError, TASKS_EXTENSION, type TaskSupport } from '@mcp-fleet/shared';
import type { CatalogTool } from '../catalog/catalog.ts';
import type { RequestOrigin } from '../protocol/origin.ts';

/** How a call runs as a task (the rest of the task is minted when it starts). */
export interface TaskPlan {
  support: 'optional' | 'required';
  /** the ttl the client asked for, if any */
  requestedTtl?: unknown;
  /** the client is given the task when it makes the call (2025-11-25) */
  announced: boolean;
}

export function taskSupportOf(tool: CatalogTool): TaskSupport {
  const s = (tool.execution as { taskSupport?: unknown } | undefined)?.taskSupport;
  return s === 'optional' || s === 'required' ? s : 'forbidden';
}

/** The first protocol version with tasks (experimental, core). */
const TASKS_SINCE = '2025-11-25';

export function taskPlanFor(origin: RequestOrigin, tool: CatalogTool, params: Record<string, unknown>) {
  const support = taskSupportOf(tool);
  if (origin.era === 'session') {
    if (origin.protocolVersion < TASKS_SINCE) return undefined;
    const asked = params.task;
    if (asked !== undefined) {
      if (support === 'forbidden') throw new FleetError('TASK_NOT_SUPPORTED', { args: [tool.name] });
      return { support, requestedTtl: (asked as { ttl?: unknown } | null)?.ttl, announced: true } satisfies TaskPlan;
    }
    if (support === 'required') throw new FleetError('TASK_REQUIRED', { args: [tool.name] });
    return undefined;
  }
  // 2026-07-28: a legacy `task` param is ignored; the extension is declared per request.
  if (support === 'forbidden') return undefined;
  const extensions = origin.clientCapabilities.extensions as Record<string, unknown> | undefined;
  if (extensions?.[TASKS_EXTENSION] === undefined) {
    if (support === 'optional') return undefined;
    throw new FleetError('MISSING_CLIENT_CAPABILITY', {
      era: 'modern',
      args: [`tools/call ${tool.name}`, `the ${TASKS_EXTENSION} extension`],
      data: { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
    });
  }
  return { support, announced: false } satisfies TaskPlan;
}
