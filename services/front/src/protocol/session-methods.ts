// The methods a front node answers itself for a session (no tool code runs): initialize, ping, logging/setLevel,
// tools/list, and the notifications. tools/call is handed to tool-call.ts.
import {
  CallToolRequestSchema, InitializeRequestSchema, ListToolsRequestSchema, SetLevelRequestSchema,
  CancelledNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { FrontDeps } from '../deps.ts';
import { JSONRPC, RpcError } from '../errors.ts';
import type { Session } from '../sessions/session-store.ts';
import type { RpcNotification, RpcRequest } from './jsonrpc.ts';
import { negotiateVersion } from './negotiate.ts';
import { INSTRUCTIONS, SERVER_CAPABILITIES, SERVER_INFO } from './server-info.ts';

type Schema<T> = { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } };

/** Validates a message against the SDK's schema; a mismatch is -32602 with what is wrong. */
export function paramsOf<T>(schema: Schema<T>, msg: { method: string; params: Record<string, unknown> }): T {
  const r = schema.safeParse({ method: msg.method, params: msg.params });
  if (!r.success) {
    const what = r.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ');
    throw new RpcError(JSONRPC.INVALID_PARAMS, `Invalid params for ${msg.method}: ${what}`);
  }
  return r.data;
}

export async function initialize(deps: FrontDeps, req: RpcRequest): Promise<{ session: Session; result: unknown }> {
  const { params } = paramsOf(InitializeRequestSchema, req);
  const version = negotiateVersion(params.protocolVersion);
  const session = await deps.sessions.create({
    version,
    clientCapabilities: params.capabilities as Record<string, unknown>,
    clientInfo: params.clientInfo as Record<string, unknown>,
  });
  deps.log.info({ session: session.sessionId, version, client: params.clientInfo.name }, 'session created');
  return {
    session,
    result: { protocolVersion: version, capabilities: SERVER_CAPABILITIES, serverInfo: SERVER_INFO, instructions: INSTRUCTIONS },
  };
}

/** Requests answered without a job. Returns undefined for methods that are not ours (tools/call). */
export async function answerLocally(deps: FrontDeps, session: Session, req: RpcRequest): Promise<unknown> {
  switch (req.method) {
    case 'ping':
      return {};
    case 'logging/setLevel': {
      const { params } = paramsOf(SetLevelRequestSchema, req);
      await deps.sessions.setLogLevel(session, params.level);
      return {};
    }
    case 'tools/list': {
      const { params } = paramsOf(ListToolsRequestSchema, req);
      return deps.catalog.page(params?.cursor, deps.config.TOOLS_PAGE_SIZE);
    }
    case 'initialize':
      throw new RpcError(JSONRPC.INVALID_REQUEST, 'This session is already initialized; initialize without Mcp-Session-Id to start another');
    default:
      throw new RpcError(JSONRPC.METHOD_NOT_FOUND, `Method not found: ${req.method}`);
  }
}

export function toolCallParams(req: RpcRequest) {
  return paramsOf(CallToolRequestSchema, req).params;
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
