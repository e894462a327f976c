// tools/call: validate against the catalog, enqueue a job, and answer with a view of the call's stream.
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  newRequestStreamId, supportsPriming, type ToolCallJob,
} from '@mcp-fleet/shared';
import { retention, type FrontDeps } from '../deps.ts';
import { FleetError, JSONRPC, RpcError } from '../errors.ts';
import type { Session } from '../sessions/session-store.ts';
import { JsonSink, SseSink } from '../streams/sinks.ts';
import type { RpcRequest } from './jsonrpc.ts';
import { resultBody } from './jsonrpc.ts';
import { toolCallParams } from './session-methods.ts';
import { traceOf } from './trace.ts';

/** Returns a result to answer as JSON right away, or undefined when the reply was taken over by a stream. */
export async function callTool(
  deps: FrontDeps,
  session: Session,
  req: RpcRequest,
  http: { request: FastifyRequest; reply: FastifyReply; wantsSse: boolean },
): Promise<unknown> {
  const params = toolCallParams(req);
  const entry = deps.catalog.get(params.name);
  if (!entry) throw new RpcError(JSONRPC.INVALID_PARAMS, `Unknown tool: ${params.name}`);
  const args = params.arguments ?? {};
  const invalid = deps.catalog.validationError(params.name, args);
  if (invalid) {
    // Since 2025-11-25 (SEP-1303) bad arguments are a tool execution error the model can correct, not a protocol error.
    return { isError: true, content: [{ type: 'text', text: `Invalid arguments for tool ${params.name}: ${invalid}` }] };
  }
  const job: ToolCallJob = {
    v: 1,
    session: { principal: session.principal, sessionId: session.sessionId },
    requestId: req.id,
    streamId: newRequestStreamId(session.sessionId),
    protocolVersion: session.version,
    tool: params.name,
    args,
    progressToken: params._meta?.progressToken,
    logLevel: session.logLevel,
    trace: traceOf(params._meta, http.request.headers),
    retention: retention(deps.config),
  };
  if (!(await deps.dispatcher.enqueue(entry.queue, job))) throw new FleetError('SESSION_NOT_FOUND', [], req.id);

  http.reply.hijack();
  const raw = http.reply.raw;
  const sink = http.wantsSse ? new SseSink(raw) : new JsonSink(raw);
  if (sink instanceof SseSink && supportsPriming(session.version)) sink.prime(job.streamId, 0, deps.config.SSE_RETRY_MS);
  await deps.hub.open({
    streamKey: deps.keys.stream(job.session, job.streamId),
    streamId: job.streamId,
    channel: deps.keys.streamChannel(job.session, job.streamId),
    afterSeq: 0,
    endOnTerminal: true,
    sink,
  });
  return undefined;
}

