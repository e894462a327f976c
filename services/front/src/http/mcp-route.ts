// The MCP endpoint (Streamable HTTP, protocol versions 2025-03-26 … 2025-11-25): POST, GET and DELETE on one path.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FrontDeps } from '../deps.ts';
import { retention } from '../deps.ts';
import { FleetError, RpcError, errorBody } from '../errors.ts';
import { classify, parseJson, resultBody, type RpcRequest } from '../protocol/jsonrpc.ts';
import { checkVersionHeader } from '../protocol/negotiate.ts';
import { answerLocally, initialize, onNotification } from '../protocol/session-methods.ts';
import { callTool } from '../protocol/tool-call.ts';
import type { Session } from '../sessions/session-store.ts';
import { standaloneStreamId } from '@mcp-fleet/shared';
import { accepts, header, makeOriginCheck } from './guards.ts';
import { openGetStream } from './resume.ts';

export function registerMcpRoute(app: FastifyInstance, deps: FrontDeps): void {
  const path = deps.config.MCP_PATH;
  const checkOrigin = makeOriginCheck(deps.config.ALLOWED_ORIGINS);

  // Checks that need no body run before it is read, so a forbidden or unacceptable request costs nothing.
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.url !== path) return;
    checkOrigin(header(request.headers, 'origin'));
    const a = accepts(request.headers);
    if (request.method === 'POST' && !a.json) throw new FleetError('NOT_ACCEPTABLE_POST');
    if (request.method === 'GET' && !a.sse) throw new FleetError('NOT_ACCEPTABLE_GET');
    checkVersionHeader(header(request.headers, 'mcp-protocol-version'));
  });

  app.post(path, async (request, reply) => {
    const body = parseJson(request.body as string);
    if (Array.isArray(body)) throw new FleetError('BATCH_NOT_SUPPORTED');
    const msg = classify(body);
    const sessionId = header(request.headers, 'mcp-session-id');

    if (msg.kind === 'request' && msg.method === 'initialize') {
      if (sessionId !== undefined) throw new FleetError('INITIALIZE_WITH_SESSION', [], msg.id);
      const { session, result } = await rpc(msg, () => initialize(deps, msg));
      return reply.header('mcp-session-id', session.sessionId).type('application/json').send(resultBody(msg.id, result));
    }
    const session = await requireSession(deps, sessionId, msg.kind === 'request' ? msg.id : null);

    if (msg.kind === 'notification') {
      await onNotification(deps, session, msg);
      return reply.code(202).send();
    }
    if (msg.kind === 'response') {
      // Answers to server→client requests; none are sent by this version of the server, so nothing waits for them.
      return reply.code(202).send();
    }
    try {
      const result =
        msg.method === 'tools/call'
          ? await callTool(deps, session, msg, { request, reply, wantsSse: wantsSse(deps, request) })
          : await answerLocally(deps, session, msg);
      if (result === undefined) return reply; // a stream took over the reply
      return reply.type('application/json').send(resultBody(msg.id, result));
    } catch (err) {
      if (err instanceof RpcError) return reply.type('application/json').send(errorBody(msg.id, err.code, err.message, err.data));
      throw err;
    }
  });

  app.get(path, async (request, reply) => {
    const session = await requireSession(deps, header(request.headers, 'mcp-session-id'), null);
    await openGetStream(deps, session, header(request.headers, 'last-event-id'), reply);
    return reply;
  });

  app.delete(path, async (request, reply) => {
    const session = await requireSession(deps, header(request.headers, 'mcp-session-id'), null);
    const running = await deps.sessions.delete(session);
    // Running calls are cancelled and their streams end; the standalone stream ends too.
    await deps.dispatcher.endStreams(session, [...running, standaloneStreamId(session.sessionId)], retention(deps.config));
    deps.log.info({ session: session.sessionId, cancelled: running.length }, 'session deleted');
    return reply.code(200).type('application/json').send({});
  });
}

async function requireSession(deps: FrontDeps, sessionId: string | undefined, id: RpcRequest['id'] | null): Promise<Session> {
  if (sessionId === undefined) throw new FleetError('SESSION_REQUIRED', [], id);
  const session = await deps.sessions.touch(sessionId);
  if (!session) throw new FleetError('SESSION_NOT_FOUND', [], id);
  return session;
}

function wantsSse(deps: FrontDeps, request: FastifyRequest): boolean {
  return deps.config.RESPONSE_MODE === 'sse' && accepts(request.headers).sse;
}

/** Runs a request handler, turning an RpcError into an HTTP-level error for requests without a session yet. */
async function rpc<T>(msg: RpcRequest, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RpcError) {
      const e = new FleetError('INVALID_REQUEST', [err.message], msg.id);
      throw Object.assign(e, { code: err.code });
    }
    throw err;
  }
}

