// The MCP endpoint: POST, GET and DELETE on one path, for both protocol eras. A request that claims 2026-07-28 goes
// to the SDK's handler (modern/); the rest is the session era (2025-03-26 … 2025-11-25, Streamable HTTP).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FleetError, principalLabel } from '@mcp-fleet/shared';
import type { FrontDeps } from '../deps.ts';
import type { Authenticated } from '../auth/authenticator.ts';
import { claimsModernEra } from '../protocol/era.ts';
import { serveRequest } from '../protocol/exchange.ts';
import { classify, parseBody, readableId } from '../protocol/jsonrpc.ts';
import { resultResponse } from '../protocol/messages.ts';
import { checkVersionHeader } from '../protocol/negotiate.ts';
import { sessionOrigin } from '../protocol/origin.ts';
import { initialize, onClientResponse, onNotification } from '../protocol/session-methods.ts';
import { callSession, deleteSession, requireSession } from '../sessions/session-ops.ts';
import { checkAccess } from '../auth/access.ts';
import { admitRequest } from '../quotas/fair-use.ts';
import { handleBatch } from './batch.ts';
import { rememberPrincipal, rememberRequestId } from './error-handler.ts';
import { accepts, header, makeTransportGuard } from './guards.ts';
import { openGetStream } from './resume.ts';
import { StreamableExchange } from './streamable-exchange.ts';

export function registerMcpRoute(app: FastifyInstance, deps: FrontDeps): void {
  const path = deps.config.MCP_PATH;
  const guard = makeTransportGuard(deps.config);
  const modern = (request: FastifyRequest, body: unknown) =>
    deps.modern !== undefined && claimsModernEra(request.headers, body) && deps.modern.isModern(request, body);

  app.post(path, async (request, reply) => {
    const body = parseBody(request.headers['content-type'], request.body as string, deps.config.MAX_ARGUMENT_DEPTH);
    const id = readableId(body);
    rememberRequestId(request, id);
    guard(request, id);
    const who = await deps.auth.authenticate(request.headers, id);
    rememberPrincipal(request, principalLabel(who.caller));
    checkAccess(deps.auth, who.caller, body, id);
    await admitRequest(deps, who, body, id, { countedAtOpen: true });
    if (await modern(request, body)) {
      await deps.modern!.serve(request, reply, body, who);
      return reply;
    }
    checkVersionHeader(header(request.headers, 'mcp-protocol-version'), id);
    const sessionId = header(request.headers, 'mcp-session-id');
    if (Array.isArray(body))
      return handleBatch(deps, await requireSession(deps, sessionId, null, who), body, request, reply);
    const msg = classify(body);
    if (msg.kind === 'request' && msg.method === 'initialize') {
      if (sessionId !== undefined) throw new FleetError('INITIALIZE_WITH_SESSION', { id });
      const { session, result } = await initialize(deps, msg, who);
      return reply
        .header('mcp-session-id', session.sessionId)
        .type('application/json')
        .send(resultResponse(msg.id, result));
    }
    // A tool call's session may be recalled instead of read: its stream's opening checks it (callSession).
    const { session, recalled } =
      msg.kind === 'request' && msg.method === 'tools/call'
        ? await callSession(deps, sessionId, id, who)
        : { session: await requireSession(deps, sessionId, id, who), recalled: false };
    // A session of the HTTP+SSE transport is not one of this endpoint's.
    if (session.legacy) throw new FleetError('SESSION_NOT_FOUND', { id });
    if (msg.kind === 'notification') await onNotification(deps, session, msg);
    else if (msg.kind === 'response') await onClientResponse(deps, session, msg);
    else {
      const ex = new StreamableExchange(
        deps,
        reply,
        deps.config.RESPONSE_MODE === 'sse' && accepts(request.headers).sse,
        recalled ? session : undefined,
      );
      await serveRequest(deps, sessionOrigin(deps, session, request.headers), msg, ex);
      return reply;
    }
    return reply.code(202).send();
  });

  app.get(path, async (request, reply) => {
    guard(request);
    const who = await deps.auth.authenticate(request.headers, null);
    rememberPrincipal(request, principalLabel(who.caller));
    await admitRequest(deps, who, undefined, null);
    if (deps.modern && claimsModernEra(request.headers, undefined)) return serveModern(deps, request, reply, who);
    checkVersionHeader(header(request.headers, 'mcp-protocol-version'));
    const session = await requireSession(deps, header(request.headers, 'mcp-session-id'), null, who);
    await deps.streamCaps.hold(session, reply.raw, null);
    await openGetStream(deps, session, header(request.headers, 'last-event-id'), reply);
    return reply;
  });

  app.delete(path, async (request, reply) => {
    guard(request);
    const who = await deps.auth.authenticate(request.headers, null);
    rememberPrincipal(request, principalLabel(who.caller));
    await admitRequest(deps, who, undefined, null);
    if (deps.modern && claimsModernEra(request.headers, undefined)) return serveModern(deps, request, reply, who);
    checkVersionHeader(header(request.headers, 'mcp-protocol-version'));
    const session = await requireSession(deps, header(request.headers, 'mcp-session-id'), null, who);
    await deleteSession(deps, session);
    return reply.code(200).type('application/json').send({});
  });
}

/** GET and DELETE are session operations; the 2026-07-28 leg answers them 405. */
async function serveModern(deps: FrontDeps, request: FastifyRequest, reply: FastifyReply, who: Authenticated) {
  await deps.modern!.serve(request, reply, undefined, who);
  return reply;
}
