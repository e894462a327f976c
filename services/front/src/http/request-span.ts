// The HTTP span of each MCP request (docs/architecture.md, "Traces"): a SERVER span continuing the request's
// `traceparent` header, open from routing until the response is over (an SSE response: until its stream ends), and
// active while the handler runs, so the spans a request causes (dispatch, BullMQ's enqueue, SSE writes) are its
// children. Made only when tracing is on; health and metrics requests get none.
import { SpanKind, SpanStatusCode, ROOT_CONTEXT, context, propagation, trace, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SPAN_ATTR, fleetTracer, traceIdOfTraceparent, tracingEnabled } from '@mcp-fleet/shared';

const spans = new WeakMap<FastifyRequest, Span>();

export function traceRequests(app: FastifyInstance, paths: string[], nodeId: string): void {
  if (!tracingEnabled()) return;
  const traced = new Set(paths);
  app.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.url;
    if (route === undefined || !traced.has(route)) return done();
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = fleetTracer().startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': request.method, 'http.route': route, [SPAN_ATTR.node]: nodeId },
      },
      parent,
    );
    spans.set(request, span);
    // 'close' comes once, whether the response finished or the client went away mid-stream.
    reply.raw.once('close', () => {
      span.setAttribute('http.response.status_code', reply.raw.statusCode);
      if (reply.raw.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    done();
  });
  // After the body is parsed: the handler is called from inside `done`, so its whole async chain sees the span.
  app.addHook('preHandler', (request, _reply, done) => {
    const span = spans.get(request);
    if (!span) return done();
    context.with(trace.setSpan(context.active(), span), done);
  });
}

/** The trace id of a request: its HTTP span's, else the one its `traceparent` header names (no SDK needed). */
export function requestTraceId(request: FastifyRequest): string | undefined {
  const span = spans.get(request);
  if (span) return span.spanContext().traceId;
  return traceIdOfTraceparent(request.headers.traceparent);
}
