// The method table of the session era (2024-11-05 … 2025-11-25): what the front answers itself, and what becomes a
// job. Transport-independent: answers go through an Exchange.
import type { IncomingHttpHeaders } from 'node:http';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { RESOURCE_NOT_FOUND, type JobMethod } from '@mcp-fleet/shared';
import { jobRetention, type FrontDeps } from '../deps.ts';
import { JSONRPC, RpcError } from '../errors.ts';
import type { Session } from '../sessions/session-store.ts';
import type { Exchange, JobRequest } from './exchange.ts';
import type { RpcRequest } from './jsonrpc.ts';
import { errorResponse, paramsOf, resultResponse } from './messages.ts';
import { traceOf } from './trace.ts';

export async function handleRequest(
  deps: FrontDeps,
  session: Session,
  req: RpcRequest,
  ex: Exchange,
  headers: IncomingHttpHeaders,
): Promise<void> {
  try {
    const local = await answerLocally(deps, session, req, ex, headers);
    if (local !== undefined) await ex.reply(resultResponse(req.id, local));
  } catch (err) {
    if (!(err instanceof RpcError)) throw err;
    await ex.reply(errorResponse(req.id, err.code, err.message, err.data));
  }
}

/** Returns a result to send, or undefined when the request was handed to a worker. */
async function answerLocally(
  deps: FrontDeps,
  session: Session,
  req: RpcRequest,
  ex: Exchange,
  headers: IncomingHttpHeaders,
): Promise<unknown> {
  const pageSize = deps.config.TOOLS_PAGE_SIZE;
  const job = (method: JobMethod, target: string, queue: string) =>
    ex.run(buildJob(deps, session, req, method, target, headers), queue).then(() => undefined);
  switch (req.method) {
    case 'ping':
      return {};
    case 'logging/setLevel':
      await deps.sessions.setLogLevel(session, paramsOf(SetLevelRequestSchema, req).params.level);
      return {};
    case 'tools/list':
      return deps.catalog.page('tools', paramsOf(ListToolsRequestSchema, req).params?.cursor, pageSize);
    case 'resources/list':
      return deps.catalog.page('resources', paramsOf(ListResourcesRequestSchema, req).params?.cursor, pageSize);
    case 'resources/templates/list':
      return deps.catalog.page(
        'resourceTemplates',
        paramsOf(ListResourceTemplatesRequestSchema, req).params?.cursor,
        pageSize,
      );
    case 'prompts/list':
      return deps.catalog.page('prompts', paramsOf(ListPromptsRequestSchema, req).params?.cursor, pageSize);
    case 'resources/subscribe':
      await deps.sessions.subscribe(session, paramsOf(SubscribeRequestSchema, req).params.uri);
      return {};
    case 'resources/unsubscribe':
      await deps.sessions.unsubscribe(session, paramsOf(UnsubscribeRequestSchema, req).params.uri);
      return {};
    case 'tools/call': {
      const params = paramsOf(CallToolRequestSchema, req).params;
      const entry = deps.catalog.tool(params.name);
      if (!entry) throw new RpcError(JSONRPC.INVALID_PARAMS, `Unknown tool: ${params.name}`);
      const invalid = deps.catalog.validationError(params.name, params.arguments ?? {});
      if (invalid) {
        // Since 2025-11-25 (SEP-1303) bad arguments are a tool execution error the model can correct.
        return {
          isError: true,
          content: [{ type: 'text', text: `Invalid arguments for tool ${params.name}: ${invalid}` }],
        };
      }
      return job('tools/call', params.name, entry.queue);
    }
    case 'resources/read': {
      const { uri } = paramsOf(ReadResourceRequestSchema, req).params;
      const queue = deps.catalog.resourceQueue(uri);
      if (!queue) throw new RpcError(RESOURCE_NOT_FOUND, `Resource not found: ${uri}`, { uri });
      return job('resources/read', uri, queue);
    }
    case 'prompts/get': {
      const { name, arguments: args = {} } = paramsOf(GetPromptRequestSchema, req).params;
      const entry = deps.catalog.prompt(name);
      if (!entry) throw new RpcError(JSONRPC.INVALID_PARAMS, `Unknown prompt: ${name}`);
      const missing = (entry.item.arguments ?? [])
        .filter((a) => a.required && args[a.name] === undefined)
        .map((a) => a.name);
      if (missing.length)
        throw new RpcError(JSONRPC.INVALID_PARAMS, `Prompt ${name} needs the argument(s): ${missing.join(', ')}`);
      return job('prompts/get', name, entry.queue);
    }
    case 'completion/complete': {
      const { ref, argument } = paramsOf(CompleteRequestSchema, req).params;
      const entry = ref.type === 'ref/prompt' ? deps.catalog.prompt(ref.name) : deps.catalog.template(ref.uri);
      if (!entry) throw new RpcError(JSONRPC.INVALID_PARAMS, `Unknown completion reference: ${JSON.stringify(ref)}`);
      // Nothing to ask a worker when the argument has no completer.
      if (!entry.item.completable?.includes(argument.name))
        return { completion: { values: [], total: 0, hasMore: false } };
      return job('completion/complete', ref.type === 'ref/prompt' ? ref.name : ref.uri, entry.queue);
    }
    case 'initialize':
      throw new RpcError(
        JSONRPC.INVALID_REQUEST,
        'This session is already initialized; initialize without a session to start another',
      );
    default:
      throw new RpcError(JSONRPC.METHOD_NOT_FOUND, `Method not found: ${req.method}`);
  }
}

function buildJob(
  deps: FrontDeps,
  session: Session,
  req: RpcRequest,
  method: JobMethod,
  target: string,
  headers: IncomingHttpHeaders,
): JobRequest {
  const meta = req.params._meta as Record<string, unknown> | undefined;
  const token = meta?.progressToken;
  return {
    v: 1,
    method,
    session: { principal: session.principal, sessionId: session.sessionId },
    requestId: req.id,
    protocolVersion: session.version,
    clientCapabilities: session.clientCapabilities,
    target,
    params: req.params,
    progressToken: typeof token === 'string' || typeof token === 'number' ? token : undefined,
    logLevel: session.logLevel,
    trace: traceOf(meta, headers),
    headers: allowedHeaders(deps.config.HEADERS_TO_TOOLS, headers),
    retention: jobRetention(deps.config, deps.config.SESSION_TTL_SECONDS * 1000),
  };
}

/** Only allow-listed headers reach handlers; Authorization only when explicitly listed. */
export function allowedHeaders(
  allow: string[],
  headers: IncomingHttpHeaders | Record<string, string>,
): Record<string, string> | undefined {
  if (!allow.length) return undefined;
  const out: Record<string, string> = {};
  for (const name of allow) {
    const v = headers[name.toLowerCase()];
    if (v !== undefined) out[name.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
