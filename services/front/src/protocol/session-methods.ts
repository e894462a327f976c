// What happens outside the method table: initialize, client notifications, and the client's answers to
// server→client requests.
import { CancelledNotificationSchema, InitializeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { SessionRef } from '@mcp-fleet/shared';
import type { FrontDeps } from '../deps.ts';
import type { Session } from '../sessions/session-store.ts';
import type { RpcNotification, RpcRequest, RpcResponse } from './jsonrpc.ts';
import { paramsOf } from './messages.ts';
import { negotiateVersion } from './negotiate.ts';
import { INSTRUCTIONS, SERVER_CAPABILITIES, SERVER_INFO } from './server-info.ts';

export function initializeParams(req: RpcRequest, legacyTransport: boolean) {
  const { params } = paramsOf(InitializeRequestSchema, req);
  return {
    version: negotiateVersion(params.protocolVersion, legacyTransport),
    clientCapabilities: params.capabilities as Record<string, unknown>,
    clientInfo: params.clientInfo as Record<string, unknown>,
  };
}

export function initializeResult(version: string) {
  return {
    protocolVersion: version,
    capabilities: SERVER_CAPABILITIES,
    serverInfo: SERVER_INFO,
    instructions: INSTRUCTIONS,
  };
}

/** Streamable HTTP initialize: creates the session. */
export async function initialize(deps: FrontDeps, req: RpcRequest): Promise<{ session: Session; result: unknown }> {
  const init = initializeParams(req, false);
  const session = await deps.sessions.create({ ...init, legacy: false });
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
 * The client answered a server→client request (elicitation, sampling, roots). Hand it to the waiting job through
 * Redis, whichever worker runs it. Answers to requests nobody waits for (timed out, unknown) are dropped.
 */
export async function onClientResponse(deps: FrontDeps, session: Session, r: RpcResponse): Promise<void> {
  if (typeof r.id !== 'string') return;
  await deliverAnswer(deps, session, r.id, r.raw);
}

/** Stores a client's answer where the waiting job (any worker) takes it, and wakes the workers. */
export async function deliverAnswer(
  deps: FrontDeps,
  session: SessionRef,
  id: string,
  message: unknown,
): Promise<boolean> {
  const { keys, redis } = deps;
  if (!(await redis.hexists(keys.pendingServerRequests(session), id))) {
    deps.log.info({ session: session.sessionId, id }, 'answer to no pending request dropped');
    return false;
  }
  await redis
    .multi()
    .set(
      keys.serverRequestReply(session, id),
      JSON.stringify(message),
      'PX',
      deps.config.SERVER_REQUEST_TIMEOUT_MS + 60_000,
    )
    .publish(keys.replyChannel(), `${session.principal} ${session.sessionId} ${id}`)
    .exec();
  return true;
}
