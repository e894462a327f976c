// The contract between the protocol core and a session-era transport: how one client request gets its answer
// back. Streamable HTTP answers on the POST (JSON or the request's own SSE stream); the legacy HTTP+SSE transport
// answers on the session's one SSE stream; a 2025-03-26 batch collects answers into one array. (The 2026-07-28
// leg answers through the SDK's handler: modern/modern-server.ts.)
import { FleetError, type JsonRpcId, type TaskRecord } from '@mcp-fleet/shared';
import type { FrontDeps } from '../deps.ts';
import { resultResponse } from './messages.ts';
import type { RequestOrigin } from './origin.ts';
import { planRequest, type JobRequest, type Plan, type PlannedRequest } from './planner.ts';

export type JsonRpcResponse =
  | { jsonrpc: '2.0'; id: JsonRpcId; result: unknown }
  | { jsonrpc: '2.0'; id: JsonRpcId | null; error: { code: number; message: string; data?: unknown } };

export interface Exchange {
  /** Answers with a response the front computed itself. */
  reply(response: JsonRpcResponse): Promise<void>;
  /** The request runs on a worker: enqueue it on `queue` and deliver what it writes. */
  run(job: JobRequest, queue: string): Promise<void>;
  /** 2025-11-25 tasks/result: wait on the task's stream for its outcome (only Streamable HTTP serves 2025-11-25). */
  taskResult?(task: TaskRecord, origin: RequestOrigin, requestId: JsonRpcId): Promise<void>;
}

/**
 * Plans a request and carries the plan out through the exchange. A catalogued error that answers the request
 * (unknown tool, bad params…) becomes its JSON-RPC response; any other error propagates to the HTTP layer.
 */
export async function serveRequest(deps: FrontDeps, origin: RequestOrigin, req: PlannedRequest, ex: Exchange) {
  let plan: Plan;
  try {
    plan = await planRequest(deps, origin, req);
  } catch (err) {
    if (err instanceof FleetError && err.inBand) return ex.reply(err.toJsonRpc(req.id));
    throw err;
  }
  if (plan.kind === 'answer') return ex.reply(resultResponse(req.id, plan.result));
  if (plan.kind === 'taskResult') {
    if (!ex.taskResult) return ex.reply(new FleetError('METHOD_NOT_FOUND', { args: [req.method] }).toJsonRpc(req.id));
    return ex.taskResult(plan.task, origin, req.id);
  }
  return ex.run(plan.job, plan.queue);
}
