// What happens outside the method table: initialize, client notifications, and the client's answers to
// server→client requests.
import { CancelledNotificationSchema, InitializeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { jobOfServerRequest, taskOfJob } from '@mcp-fleet/shared';
import { taskRef } from '../tasks/task-binding.ts';
import { sessionOrigin } from './origin.ts';
import type { FrontDeps } from '../deps.ts';
import type { Session } from '../sessions/session-store.ts';
import type { RpcNotification, RpcRequest, RpcResponse } from './jsonrpc.ts';
import { checkClientMetadata } from './client-metadata.ts';
import { paramsOf } from './messages.ts';
import { negotiateVersion } from './negotiate.ts';
import { INSTRUCTIONS, sessionCapabilities, SERVER_INFO } from './server-info.ts';
import type { Authenticated } from '../auth/authenticator.ts';

/**
 * An invalid initialize is the answer to it on the legacy transport's stream, an HTTP 400 on Streamable HTTP; client
 * metadata over the limit is a 400 on both, before anything is stored.
 */
export function initializeParams(req: RpcRequest, legacyTransport: boolean, maxMetadataBytes: number) {
  const { params } = paramsOf(InitializeRequestSchema, req, legacyTransport ? 'INVALID_PARAMS' : 'INITIALIZE_INVALID');
  const parts = { clientInfo: params.clientInfo, capabilities: params.capabilities };
  checkClientMetadata(maxMetadataBytes, parts, "initialize's clientInfo and capabilities", req.id, 'session');
  return {
    version: negotiateVersion(params.protocolVersion, legacyTransport),
    clientCapabilities: params.capabilities as Record<string, unknown>,
    clientInfo: params.clientInfo as Record<string, unknown>,
  };
}

export function initializeResult(version: string) {
  return {
    protocolVersion: version,
    capabilities: sessionCapabilities(version),
    serverInfo: SERVER_INFO,
    instructions: INSTRUCTIONS,
  };
}

/** Streamable HTTP initialize: creates the session. */
export async function initialize(
  deps: FrontDeps,
  req: RpcRequest,
  who: Authenticated,
): Promise<{ session: Session; result: unknown }> {
  const init = initializeParams(req, false, deps.config.MAX_CLIENT_METADATA_BYTES);
  const session = await deps.sessions.create({ ...init, legacy: false }, who.principal);
  deps.log.info({ session: session.sessionId, version: init.version, client: init.clientInfo.name }, 'session created');
  return { session, result: initializeResult(init.version) };
}

/** Client notifications: cancellation reaches the job's worker; the others need nothing from us. */
export async function onNotification(deps: FrontDeps, session: Session, n: RpcNotification): Promise<void> {
  if (n.method === 'notifications/cancelled') {
    const parsed = CancelledNotificationSchema.safeParse({ method: n.method, params: n.params });
    // Invalid cancellations SHOULD be ignored (spec, cancellation).
    if (!parsed.success || parsed.data.params.requestId === undefined) return;
    const found = await deps.dispatcher.cancel(session, parsed.data.params.requestId);
    deps.log.info({ session: session.sessionId, requestId: parsed.data.params.requestId, found }, 'cancel requested');
  }
}

/**
 * The client answered a server→client request (elicitation, sampling, roots). Its id names the job that asked: the
 * answer goes to that job's run state, which wakes it on whichever worker. Answers to requests nobody waits for
 * (timed out, unknown, answered already) are dropped.
 */
export async function onClientResponse(deps: FrontDeps, session: Session, r: RpcResponse): Promise<void> {
  const jobId = typeof r.id === 'string' ? jobOfServerRequest(r.id) : undefined;
  // A task's job asks from the task's namespace; only the task's owner can answer it.
  const taskId = jobId && taskOfJob(jobId);
  const origin = sessionOrigin(deps, session, {});
  const ns = taskId ? (await deps.tasks.find(origin, taskId)) && taskRef(origin, taskId) : session;
  if (!jobId || !ns || !(await deps.dispatcher.deliverAnswer(ns, jobId, r.id as string, r.raw))) {
    deps.log.info({ session: session.sessionId, id: r.id }, 'answer to no pending request dropped');
    return;
  }
  if (taskId) await deps.tasks.announceStatus(origin, taskId);
}
