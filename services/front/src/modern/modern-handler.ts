// Mounts the SDK's createMcpHandler (modern leg, `legacy: 'reject'`) behind our fastify routes: builds a web
// Request from the fastify request, and writes the web Response back with backpressure. A client that closes
// the connection aborts the Request, which the SDK turns into the handler's cancellation signal.
import { once } from 'node:events';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  classifyInboundRequest,
  createMcpHandler,
  isLegacyRequest,
  type McpHttpHandler,
} from '@modelcontextprotocol/server';
import { FleetError, TASKS_EXTENSION } from '@mcp-fleet/shared';
import type { FrontDeps } from '../deps.ts';
import { modernOrigin } from '../protocol/origin.ts';
import { ListenTap, TaskEventsBus, serveTaskListen } from '../tasks/task-listen.ts';
import { modernServerFactory } from './modern-server.ts';
import { RedisEventBus } from './redis-event-bus.ts';
import { requestStateCodec } from './request-state.ts';
import { checkParamHeaders } from './param-headers.ts';
import { checkModernParams } from './params-check.ts';
import { checkEnvelopeMetadata } from '../protocol/client-metadata.ts';
import { header } from '../http/guards.ts';
import { readableId } from '../protocol/jsonrpc.ts';
import type { Redis } from 'ioredis';
import { authInfoOf, type Authenticated } from '../auth/authenticator.ts';

export interface ModernDoor {
  /** True when the SDK classifies the request as 2026-07-28 traffic. */
  isModern(request: FastifyRequest, parsedBody: unknown): Promise<boolean>;
  serve(request: FastifyRequest, reply: FastifyReply, parsedBody: unknown, who: Authenticated): Promise<void>;
  bus: RedisEventBus;
  close(): Promise<void>;
}

export async function createModernDoor(deps: FrontDeps, subscriber: Redis): Promise<ModernDoor> {
  const bus = new RedisEventBus(deps.redis, subscriber, deps.keys, deps.log);
  await bus.start();
  const taskEvents = new TaskEventsBus(subscriber, deps.keys, deps.log);
  await taskEvents.start();
  const codec = await requestStateCodec(deps.redis, deps.keys, deps.config);
  const handler: McpHttpHandler = createMcpHandler(modernServerFactory(deps, codec), {
    legacy: 'reject',
    bus,
    keepAliveMs: deps.config.SSE_KEEPALIVE_MS,
    maxRequestBodySize: deps.config.MAX_BODY_BYTES,
    onerror: (err) => deps.log.debug({ err: err.message }, 'modern request error'),
  });

  const toWeb = (request: FastifyRequest, signal?: AbortSignal): Request => {
    const headers = new Headers();
    for (const [k, v] of Object.entries(request.headers)) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) headers.append(k, one);
    }
    const hasBody = request.method === 'POST' && typeof request.body === 'string';
    return new Request(`http://${request.host}${request.url}`, {
      method: request.method,
      headers,
      body: hasBody ? (request.body as string) : undefined,
      signal,
    });
  };

  return {
    bus,
    async isModern(request, parsedBody) {
      return !(await isLegacyRequest(toWeb(request), parsedBody, { maxRequestBodySize: deps.config.MAX_BODY_BYTES }));
    },
    async serve(request, reply, parsedBody, who) {
      // The SDK's own ladder decides first (headers, envelope, version); what it would route is checked here.
      const route = classifyInboundRequest({
        httpMethod: request.method,
        protocolVersionHeader: header(request.headers, 'mcp-protocol-version'),
        mcpMethodHeader: header(request.headers, 'mcp-method'),
        mcpNameHeader: header(request.headers, 'mcp-name'),
        body: parsedBody,
      });
      let tap: ListenTap | undefined;
      if (route.kind === 'modern' && route.messageKind === 'request') {
        checkCustomHeaders(deps, request, parsedBody);
        checkModernParams(route.message);
        checkEnvelopeMetadata(deps.config.MAX_CLIENT_METADATA_BYTES, route.message);
        const listen = await listenTaskIds(deps, parsedBody, headersOf(request), who);
        if (listen?.tasksOnly) {
          reply.hijack();
          serveTaskListen(reply.raw, taskEvents, {
            principal: listen.principal,
            taskIds: listen.ids,
            subscriptionId: readableId(parsedBody),
            keepAliveMs: deps.config.SSE_KEEPALIVE_MS,
          });
          return;
        }
        if (listen) tap = new ListenTap(taskEvents, listen.principal, listen.ids, (text) => reply.raw.write(text));
      }
      const abort = new AbortController();
      const raw = reply.raw;
      raw.on('close', () => {
        if (!raw.writableFinished) abort.abort();
      });
      const response = await handler.fetch(toWeb(request, abort.signal), { parsedBody, authInfo: authInfoOf(who) });
      reply.hijack();
      const headers: Record<string, string> = Object.fromEntries(response.headers);
      if (headers['content-type']?.startsWith('text/event-stream')) headers['x-accel-buffering'] = 'no';
      raw.writeHead(response.status, headers);
      if (response.body) {
        const decoder = new TextDecoder();
        try {
          for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
            const out = tap ? tap.take(decoder.decode(chunk, { stream: true })) : chunk;
            if (out.length && !raw.write(out)) await once(raw, 'drain');
          }
        } catch {
          // the client went away mid-stream; the abort above has already cancelled the call
        } finally {
          tap?.close();
        }
      }
      if (!raw.writableEnded) raw.end();
    },
    close: () => handler.close(),
  };
}

/** A tools/call whose tool declares `x-mcp-header` arguments must carry them as headers too (400 -32020 if not). */
function checkCustomHeaders(deps: FrontDeps, request: FastifyRequest, body: unknown): void {
  const msg = body as { method?: unknown; params?: { name?: unknown; arguments?: unknown } } | null;
  if (msg?.method !== 'tools/call' || typeof msg.params?.name !== 'string') return;
  const tool = deps.catalog.tool(msg.params.name);
  if (tool) checkParamHeaders(tool.item.inputSchema, msg.params.arguments, request.headers, readableId(body));
}

/**
 * The task ids a `subscriptions/listen` asks status notifications for, narrowed to the caller's own existing tasks
 * (what the ack will name); undefined when it asks for none. A client that did not declare the tasks extension is
 * refused (-32021), as the extension requires.
 */
async function listenTaskIds(
  deps: FrontDeps,
  body: unknown,
  headers: Record<string, string>,
  who: Authenticated,
): Promise<{ ids: string[]; principal: string; tasksOnly: boolean } | undefined> {
  const msg = body as { id?: unknown; method?: unknown; params?: Record<string, unknown> } | null;
  if (msg?.method !== 'subscriptions/listen') return undefined;
  const notifications = (msg.params?.notifications ?? {}) as Record<string, unknown>;
  const asked = notifications.taskIds;
  if (!Array.isArray(asked)) return undefined;
  const tasksOnly = Object.entries(notifications).every(
    ([k, v]) => k === 'taskIds' || v === false || v === undefined || (Array.isArray(v) && v.length === 0),
  );
  const envelope = (msg.params?._meta ?? {}) as Record<string, unknown>;
  const origin = modernOrigin(deps, envelope, headers, who);
  const extensions = origin.clientCapabilities.extensions as Record<string, unknown> | undefined;
  if (extensions?.[TASKS_EXTENSION] === undefined) {
    throw new FleetError('MISSING_CLIENT_CAPABILITY', {
      era: 'modern',
      id: readableId(body),
      args: ['subscriptions/listen for task notifications', `the ${TASKS_EXTENSION} extension`],
      data: { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
    });
  }
  const ids = asked.filter((x): x is string => typeof x === 'string').slice(0, MAX_LISTEN_TASKS);
  const found = await Promise.all(ids.map((id) => deps.tasks.find(origin, id)));
  return { ids: ids.filter((_, i) => found[i]), principal: origin.session.principal, tasksOnly };
}

/** Task ids one listen stream may follow. */
const MAX_LISTEN_TASKS = 100;

function headersOf(request: FastifyRequest): Record<string, string> {
  return Object.fromEntries(
    Object.entries(request.headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])),
  );
}
