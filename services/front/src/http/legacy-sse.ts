// The legacy HTTP+SSE transport (protocol 2024-11-05): GET /sse opens the session's one stream and names the
// endpoint for POSTs; POST /messages?sessionId=… is accepted (202) on any node and its answer travels on that one
// stream, wherever it is held. Both are views over the same Redis streams as Streamable HTTP.
import type { FastifyInstance } from 'fastify';
import {
  FleetError,
  appendToSessionStream,
  principalLabel,
  publicPath,
  randomId,
  standaloneStreamId,
} from '@mcp-fleet/shared';
import type { FrontDeps } from '../deps.ts';
import { serveRequest, type Exchange, type JsonRpcResponse } from '../protocol/exchange.ts';
import { classify, parseBody, readableId } from '../protocol/jsonrpc.ts';
import { resultResponse } from '../protocol/messages.ts';
import { sessionOrigin } from '../protocol/origin.ts';
import type { JobRequest } from '../protocol/planner.ts';
import { initializeParams, initializeResult, onClientResponse, onNotification } from '../protocol/session-methods.ts';
import { deleteSession } from '../sessions/session-ops.ts';
import type { Session } from '../sessions/session-store.ts';
import { LegacySseSink } from '../streams/sinks.ts';
import { rememberPrincipal, rememberRequestId } from './error-handler.ts';
import { makeTransportGuard } from './guards.ts';
import { checkAccess } from '../auth/access.ts';
import { admitRequest } from '../quotas/fair-use.ts';

class LegacyExchange implements Exchange {
  constructor(
    private readonly deps: FrontDeps,
    private readonly session: Session,
  ) {}

  /** Front answers are one more message on the session's stream. */
  async reply(response: JsonRpcResponse): Promise<void> {
    const { redis, keys, config } = this.deps;
    await appendToSessionStream(redis, keys, this.session, 'sharedResponse', response, {
      maxEvents: config.STREAM_MAX_EVENTS,
      sessionTtlMs: config.SESSION_TTL_SECONDS * 1000,
    });
  }

  /** Jobs write to the session's stream; their response does not end it. */
  async run(request: JobRequest, queue: string): Promise<void> {
    const streamId = standaloneStreamId(this.session.sessionId);
    const job = { ...request, streamId, jobId: `${streamId}.${randomId(9)}`, sharedStream: true };
    // '' keeps the stream's wake channel: the node holding the session's SSE connection set it.
    const r = await this.deps.dispatcher.enqueue(queue, job, '');
    if (r.kind === 'duplicate') {
      // The shared stream cannot serve one call twice: a request id in flight is refused, whatever it asks.
      const error = new FleetError('DUPLICATE_REQUEST_ID', { args: [JSON.stringify(request.requestId)] });
      await this.reply(error.toJsonRpc(request.requestId));
    }
  }
}

export function legacyPaths(deps: FrontDeps) {
  return { sse: deps.config.LEGACY_SSE_PATH, messages: deps.config.LEGACY_MESSAGES_PATH };
}

export function registerLegacySse(app: FastifyInstance, deps: FrontDeps): void {
  const paths = legacyPaths(deps);
  const guard = makeTransportGuard(deps.config);

  app.get(paths.sse, async (request, reply) => {
    guard(request);
    const who = await deps.auth.authenticate(request.headers, null);
    rememberPrincipal(request, principalLabel(who.caller));
    await admitRequest(deps, who, undefined, null);
    const session = await deps.sessions.create(
      { version: '', clientCapabilities: {}, clientInfo: {}, legacy: true },
      who.principal,
    );
    const streamId = standaloneStreamId(session.sessionId);
    reply.hijack();
    // A path-absolute reference with PUBLIC_URL's base path: the client resolves it against the URL it connected
    // to, so it goes back through the proxy under any name the client used (the SDK refuses another origin).
    const endpoint = publicPath(deps.config.PUBLIC_URL, paths.messages);
    const sink = new LegacySseSink(reply.raw, `${endpoint}?sessionId=${encodeURIComponent(session.sessionId)}`);
    // In 2024-11-05 the session lives as long as its stream: when the client goes, its calls are cancelled. While
    // the connection is open its lease is renewed; should this node die, the lease runs out by itself.
    const lease = setInterval(
      () => void deps.sessions.touch(session.sessionId, session.principal).catch(() => {}),
      deps.config.SSE_KEEPALIVE_MS,
    );
    reply.raw.on('close', () => {
      clearInterval(lease);
      void deleteSession(deps, session).catch(() => {});
    });
    deps.log.info({ session: session.sessionId }, 'legacy SSE session opened');
    await deps.hub.attach(
      {
        streamKey: deps.keys.stream(session, streamId),
        metaKey: deps.keys.streamMeta(session, streamId),
        streamId,
        afterSeq: 0,
      },
      sink,
    );
    return reply;
  });

  app.post(paths.messages, async (request, reply) => {
    const body = parseBody(request.headers['content-type'], request.body as string, deps.config.MAX_ARGUMENT_DEPTH);
    const id = readableId(body);
    rememberRequestId(request, id);
    guard(request, id);
    const who = await deps.auth.authenticate(request.headers, id);
    rememberPrincipal(request, principalLabel(who.caller));
    checkAccess(deps.auth, who.caller, body, id);
    await admitRequest(deps, who, body, id);
    // Given once, as a string: `?sessionId=a&sessionId=b` names no session.
    const sessionId = (request.query as Record<string, unknown>).sessionId;
    if (typeof sessionId !== 'string' || !sessionId) throw new FleetError('SESSION_REQUIRED', { id });
    const found = await deps.sessions.touch(sessionId, who.principal);
    if (!found?.legacy) throw new FleetError('SESSION_NOT_FOUND', { id });
    const session: Session = { ...found, caller: who.caller };
    if (Array.isArray(body)) throw new FleetError('BATCH_NOT_SUPPORTED');
    const msg = classify(body);
    const ex = new LegacyExchange(deps, session);
    if (msg.kind === 'notification') await onNotification(deps, session, msg);
    else if (msg.kind === 'response') await onClientResponse(deps, session, msg);
    else if (msg.method === 'initialize') {
      try {
        const init = initializeParams(msg, true, deps.config.MAX_CLIENT_METADATA_BYTES);
        await deps.sessions.initializeLegacy(session, init);
        await ex.reply(resultResponse(msg.id, initializeResult(init.version)));
      } catch (err) {
        if (!(err instanceof FleetError && err.inBand)) throw err;
        await ex.reply(err.toJsonRpc(msg.id));
      }
    } else await serveRequest(deps, sessionOrigin(deps, session, request.headers), msg, ex);
    return reply.code(202).type('text/plain').send('Accepted');
  });
}
