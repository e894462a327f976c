// The MCP endpoint (Streamable HTTP, protocol versions 2025-03-26 … 2025-11-25): POST, GET and DELETE on one path.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isModernVersion, standaloneStreamId, type JsonRpcId } from '@mcp-fleet/shared';
import { claimsModernEra } from '../protocol/era.ts';
import { retention, type FrontDeps } from '../deps.ts';
import { FleetError, RpcError } from '../errors.ts';
import { classify, parseJson } from '../protocol/jsonrpc.ts';
import { resultResponse } from '../protocol/messages.ts';
import { checkVersionHeader } from '../protocol/negotiate.ts';
import { handleRequest } from '../protocol/requests.ts';
import { initialize, onClientResponse, onNotification } from '../protocol/session-methods.ts';
import type { Session } from '../sessions/session-store.ts';
import { handleBatch } from './batch.ts';
import { accepts, header, makeOriginCheck } from './guards.ts';
import { openGetStream } from './resume.ts';
import { StreamableExchange } from './streamable-exchange.ts';

export function registerMcpRoute(app: FastifyInstance, deps: FrontDeps): void {
  const path = deps.config.MCP_PATH;
  const checkOrigin = makeOriginCheck(deps.config.ALLOWED_ORIGINS);

  // Checks that need no body run before it is read, so a forbidden or unacceptable request costs nothing.
  const guarded = new Set([path, deps.config.LEGACY_SSE_PATH, deps.config.LEGACY_MESSAGES_PATH]);
  app.addHook('onRequest', async (request) => {
    const url = request.routeOptions.url;
    if (url === undefined || !guarded.has(url)) return;
    checkOrigin(header(request.headers, 'origin'));
    const a = accepts(request.headers);
    if (request.method === 'POST' && !a.json) throw new FleetError('NOT_ACCEPTABLE_POST');
    if (request.method === 'GET' && !a.sse) throw new FleetError('NOT_ACCEPTABLE_GET');
    // Modern version headers are the 2026-07-28 leg's to judge (it answers -32022 for ones it does not serve).
    const version = header(request.headers, 'mcp-protocol-version');
    if (url === path && !isModernVersion(version)) checkVersionHeader(version);
  });

  app.post(path, async (request, reply) => {
    const body = parseJson(request.body as string);
    if (deps.modern && claimsModernEra(request.headers, body) && (await deps.modern.isModern(request, body))) {
      await deps.modern.serve(request, reply, body);
      return reply;
    }
    const sessionId = header(request.headers, 'mcp-session-id');
    if (Array.isArray(body)) {
      const session = await requireSession(deps, sessionId, null);
      return handleBatch(deps, session, body, request, reply);
    }
    const msg = classify(body);
    if (msg.kind === 'request' && msg.method === 'initialize') {
      if (sessionId !== undefined) throw new FleetError('INITIALIZE_WITH_SESSION', [], msg.id);
      const { session, result } = await asHttpError(msg.id, () => initialize(deps, msg));
      return reply
        .header('mcp-session-id', session.sessionId)
        .type('application/json')
        .send(resultResponse(msg.id, result));
    }
    const session = await requireSession(deps, sessionId, msg.kind === 'request' ? msg.id : null);
    if (session.legacy) throw new FleetError('SESSION_NOT_FOUND', [], msg.kind === 'request' ? msg.id : null);
    if (msg.kind === 'notification') await onNotification(deps, session, msg);
    else if (msg.kind === 'response') await onClientResponse(deps, session, msg);
    else {
      await handleRequest(
        deps,
        session,
        msg,
        new StreamableExchange(deps, reply, wantsSse(deps, request)),
        request.headers,
      );
      return reply;
    }
    return reply.code(202).send();
  });

  app.get(path, async (request, reply) => {
    if (deps.modern && claimsModernEra(request.headers, undefined)) return serveModern(deps, request, reply);
    const session = await requireSession(deps, header(request.headers, 'mcp-session-id'), null);
    await openGetStream(deps, session, header(request.headers, 'last-event-id'), reply);
    return reply;
  });

  app.delete(path, async (request, reply) => {
    if (deps.modern && claimsModernEra(request.headers, undefined)) return serveModern(deps, request, reply);
    const session = await requireSession(deps, header(request.headers, 'mcp-session-id'), null);
    await deleteSession(deps, session);
    return reply.code(200).type('application/json').send({});
  });
}

/** Ends a session: running calls are cancelled, their streams and the standalone stream end, later requests 404. */
export async function deleteSession(deps: FrontDeps, session: Session): Promise<void> {
  const jobIds = await deps.sessions.delete(session);
  // Jobs on their own stream have the stream's id; jobs on the shared stream end with it.
  const ownStreams = jobIds.filter((id) => !id.includes('.'));
  await deps.dispatcher.endSession(
    session,
    jobIds,
    [...ownStreams, standaloneStreamId(session.sessionId)],
    retention(deps.config),
  );
  deps.log.info({ session: session.sessionId, cancelled: jobIds.length }, 'session deleted');
}

export async function requireSession(
  deps: FrontDeps,
  sessionId: string | undefined,
  id: JsonRpcId | null,
): Promise<Session> {
  if (sessionId === undefined) throw new FleetError('SESSION_REQUIRED', [], id);
  const session = await deps.sessions.touch(sessionId);
  if (!session) throw new FleetError('SESSION_NOT_FOUND', [], id);
  return session;
}

/** GET and DELETE are session operations; the 2026-07-28 leg answers them 405. */
async function serveModern(deps: FrontDeps, request: FastifyRequest, reply: FastifyReply) {
  await deps.modern!.serve(request, reply, undefined);
  return reply;
}

function wantsSse(deps: FrontDeps, request: FastifyRequest): boolean {
  return deps.config.RESPONSE_MODE === 'sse' && accepts(request.headers).sse;
}

/** Before a session exists, an invalid initialize is an HTTP 400 carrying the JSON-RPC code. */
async function asHttpError<T>(id: JsonRpcId, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RpcError)
      throw Object.assign(new FleetError('INVALID_REQUEST', [err.message], id), { code: err.code });
    throw err;
  }
}
