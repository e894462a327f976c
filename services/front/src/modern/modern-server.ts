// The 2026-07-28 front door: the official SDK's low-level Server, one per request (createMcpHandler's model), whose
// handlers read the catalog and dispatch calls to BullMQ exactly as the session era does. The SDK owns the wire
// rules (envelope validation, header checks, server/discover, resultType, cache fields, subscriptions/listen).
import {
  Server,
  ProtocolError,
  inputRequired,
  type McpServerFactory,
  type RequestStateCodec,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { isLogLevel, randomId, type JobMethod, type LogLevel } from '@mcp-fleet/shared';
import { jobRetention, type FrontDeps } from '../deps.ts';
import { JSONRPC, RpcError } from '../errors.ts';
import { SERVER_CAPABILITIES, SERVER_INFO, INSTRUCTIONS } from '../protocol/server-info.ts';
import { deliverAnswer } from '../protocol/session-methods.ts';
import { allowedHeaders } from '../protocol/requests.ts';
import { traceOf } from '../protocol/trace.ts';
import { followJob } from './follow-job.ts';
import { startCall } from '../dispatch/start-call.ts';
import { requestDigest, type ParkedCall } from './request-state.ts';

const META = 'io.modelcontextprotocol/';
const RESOURCE_NOT_FOUND = JSONRPC.INVALID_PARAMS; // 2026-07-28: a missing resource is -32602

export function modernServerFactory(deps: FrontDeps, codec: RequestStateCodec<ParkedCall>): McpServerFactory {
  const pageSize = deps.config.TOOLS_PAGE_SIZE;
  return () => {
    const server = new Server(SERVER_INFO, {
      capabilities: SERVER_CAPABILITIES,
      instructions: INSTRUCTIONS,
      requestState: { verify: codec.verify },
      // Lists change only when the worker fleet does (and listeners hear list_changed); reads run user code.
      cacheHints: {
        'tools/list': { ttlMs: 5000, cacheScope: 'public' },
        'prompts/list': { ttlMs: 5000, cacheScope: 'public' },
        'resources/list': { ttlMs: 5000, cacheScope: 'public' },
        'resources/templates/list': { ttlMs: 5000, cacheScope: 'public' },
        'resources/read': { ttlMs: 0, cacheScope: 'private' },
        'server/discover': { ttlMs: 60_000, cacheScope: 'public' },
      },
    });
    const list = (kind: 'tools' | 'resources' | 'resourceTemplates' | 'prompts', cursor: string | undefined) =>
      rpc(() => deps.catalog.page(kind, cursor, pageSize));
    server.setRequestHandler('tools/list', (req) => list('tools', req.params?.cursor) as never);
    server.setRequestHandler('resources/list', (req) => list('resources', req.params?.cursor) as never);
    server.setRequestHandler(
      'resources/templates/list',
      (req) => list('resourceTemplates', req.params?.cursor) as never,
    );
    server.setRequestHandler('prompts/list', (req) => list('prompts', req.params?.cursor) as never);

    server.setRequestHandler('tools/call', async (req, ctx) => {
      const { name, arguments: args = {} } = req.params;
      const entry = deps.catalog.tool(name);
      if (!entry) throw new ProtocolError(JSONRPC.INVALID_PARAMS, `Unknown tool: ${name}`);
      const invalid = deps.catalog.validationError(name, args);
      if (invalid)
        return { isError: true, content: [{ type: 'text', text: `Invalid arguments for tool ${name}: ${invalid}` }] };
      return (await call(deps, codec, ctx, 'tools/call', name, req.params, entry.queue)) as never;
    });
    server.setRequestHandler('resources/read', async (req, ctx) => {
      const queue = deps.catalog.resourceQueue(req.params.uri);
      if (!queue)
        throw new ProtocolError(RESOURCE_NOT_FOUND, `Resource not found: ${req.params.uri}`, { uri: req.params.uri });
      return (await call(deps, codec, ctx, 'resources/read', req.params.uri, req.params, queue)) as never;
    });
    server.setRequestHandler('prompts/get', async (req, ctx) => {
      const entry = deps.catalog.prompt(req.params.name);
      if (!entry) throw new ProtocolError(JSONRPC.INVALID_PARAMS, `Unknown prompt: ${req.params.name}`);
      return (await call(deps, codec, ctx, 'prompts/get', req.params.name, req.params, entry.queue)) as never;
    });
    server.setRequestHandler('completion/complete', async (req, ctx) => {
      const { ref, argument } = req.params;
      const entry = ref.type === 'ref/prompt' ? deps.catalog.prompt(ref.name) : deps.catalog.template(ref.uri);
      if (!entry)
        throw new ProtocolError(JSONRPC.INVALID_PARAMS, `Unknown completion reference: ${JSON.stringify(ref)}`);
      if (!entry.item.completable?.includes(argument.name))
        return { completion: { values: [], total: 0, hasMore: false } };
      const target = ref.type === 'ref/prompt' ? ref.name : ref.uri;
      return (await call(deps, codec, ctx, 'completion/complete', target, req.params, entry.queue)) as never;
    });
    return server;
  };
}

/** Catalog errors (a bad cursor) as the SDK's protocol errors. */
function rpc<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof RpcError) throw new ProtocolError(err.code, err.message, err.data);
    throw err;
  }
}

/**
 * Runs a call on a worker, or continues a parked one (MRTR retry). How a call waits for input: the job stays
 * parked on its worker, waiting for answers exactly like a 2025-era server→client request; the first round
 * answers input_required with a signed requestState naming the job and how far the client has seen; the retry —
 * on any node — hands the answers to the job through Redis and follows its stream from there.
 */
async function call(
  deps: FrontDeps,
  codec: RequestStateCodec<ParkedCall>,
  ctx: ServerContext,
  method: JobMethod,
  target: string,
  params: Record<string, unknown>,
  queue: string,
): Promise<unknown> {
  const args = (params.arguments ?? params.argument ?? {}) as Record<string, unknown>;
  const digest = requestDigest(method, target, args);
  const parked = ctx.mcpReq.requestState<ParkedCall | string>();
  let call: { session: { principal: string; sessionId: string }; streamId: string; jobId: string };
  let from: Parameters<typeof followJob>[2];

  if (parked !== undefined) {
    if (typeof parked === 'string' || parked.d !== digest) {
      throw new ProtocolError(
        JSONRPC.INVALID_PARAMS,
        'requestState does not belong to this request (different method, target or arguments)',
      );
    }
    const responses = ctx.mcpReq.inputResponses ?? {};
    const missing = parked.r.filter((id) => !(id in responses));
    if (missing.length)
      throw new ProtocolError(JSONRPC.INVALID_PARAMS, `inputResponses lacks an answer for: ${missing.join(', ')}`);
    call = { session: { principal: 'anon', sessionId: parked.n }, streamId: parked.j, jobId: parked.j };
    for (const id of parked.r)
      await deliverAnswer(deps, call.session, id, { jsonrpc: '2.0', id, result: responses[id] });
    from = { afterSeq: parked.q };
  } else {
    const envelope = (ctx.mcpReq.envelope ?? {}) as Record<string, unknown>;
    const level = envelope[`${META}logLevel`];
    const namespace = randomId(12);
    const meta = ctx.mcpReq._meta as Record<string, unknown> | undefined;
    const token = meta?.progressToken;
    const started = await startCall(
      deps,
      {
        v: 1,
        method,
        session: { principal: 'anon', sessionId: namespace },
        requestId: ctx.mcpReq.id,
        protocolVersion: String(envelope[`${META}protocolVersion`] ?? '2026-07-28'),
        clientCapabilities: (envelope[`${META}clientCapabilities`] ?? {}) as Record<string, unknown>,
        target,
        params,
        progressToken: typeof token === 'string' || typeof token === 'number' ? token : undefined,
        // 2026-07-28: no notifications/message unless the request asked for a level.
        logLevel: isLogLevel(level) ? (level as LogLevel) : 'none',
        trace: traceOf(meta, headersOf(ctx)),
        headers: allowedHeaders(deps.config.HEADERS_TO_TOOLS, headersOf(ctx)),
        retention: jobRetention(deps.config, deps.config.STREAM_TTL_SECONDS * 1000),
      },
      queue,
    );
    call = { session: started.job.session, streamId: started.job.streamId, jobId: started.job.jobId };
    from = { prepared: started.view };
  }

  const progressToken = (ctx.mcpReq._meta as Record<string, unknown> | undefined)?.progressToken;
  const { outcome, aborted } = await followJob(
    deps,
    call,
    from,
    (n) => {
      if (n.method === 'notifications/progress') {
        // A retry is a new request with its own progressToken: progress of the parked job follows the current one.
        if (progressToken === undefined) return;
        n = { ...n, params: { ...n.params, progressToken } };
      }
      void ctx.mcpReq.notify(n as never).catch(() => {});
    },
    ctx.mcpReq.signal,
  );

  if (aborted) {
    // 2026-07-28: closing the response stream cancels the request, on whichever worker runs it.
    await deps.dispatcher.cancelJob(call.jobId);
    deps.log.info({ jobId: call.jobId, method, target }, 'modern call cancelled by disconnect');
    throw new ProtocolError(JSONRPC.INTERNAL_ERROR, 'cancelled: the client closed the response stream');
  }
  switch (outcome.kind) {
    case 'response':
      if (outcome.message.error)
        throw new ProtocolError(outcome.message.error.code, outcome.message.error.message, outcome.message.error.data);
      return outcome.message.result;
    case 'input': {
      const state = await codec.mint(
        { n: call.session.sessionId, j: call.jobId, q: outcome.seq, r: Object.keys(outcome.requests), d: digest },
        ctx,
      );
      return inputRequired({ inputRequests: outcome.requests as never, requestState: state });
    }
    case 'ended':
      throw new ProtocolError(JSONRPC.INTERNAL_ERROR, 'the call ended without a response (it was cancelled)');
  }
}

function headersOf(ctx: ServerContext): Record<string, string> {
  const h = ctx.http?.req?.headers;
  return h ? Object.fromEntries(h.entries()) : {};
}
