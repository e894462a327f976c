// Span helpers both sides share (docs/architecture.md, "Traces"). Only @opentelemetry/api: the CLI registers an SDK
// when an exporter is configured and then calls enableTracing(). Until then the fleet's own spans are skipped
// outright — not even a non-recording span or an attribute object is made per call or event.
import {
  SpanKind,
  SpanStatusCode,
  context,
  isValidTraceId,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';

/** Span attribute names, in one place. */
export const SPAN_ATTR = {
  method: 'mcp.method.name',
  target: 'mcp.target',
  session: 'mcp.session.id',
  requestId: 'jsonrpc.request.id',
  jobId: 'messaging.message.id',
  stream: 'mcp_fleet.stream.id',
  seq: 'mcp_fleet.stream.seq',
  kind: 'mcp_fleet.event.kind',
  node: 'mcp_fleet.node',
} as const;

let enabled = false;

/** The CLI registered a TracerProvider with an exporter: spans are worth making from now on. */
export function enableTracing(): void {
  enabled = true;
}

export function tracingEnabled(): boolean {
  return enabled;
}

export function fleetTracer() {
  return trace.getTracer('mcp-fleet');
}

/**
 * Runs `run` inside a span (a child of `parent`, else of the active context) when tracing is on; otherwise runs it
 * as it is. An exception marks the span as an error and goes on.
 */
export async function inSpan<T>(
  name: string,
  opts: { kind?: SpanKind; attributes?: () => Attributes; parent?: Context },
  run: (span?: Span) => Promise<T>,
): Promise<T> {
  if (!enabled) return run();
  const attributes = opts.attributes?.();
  return fleetTracer().startActiveSpan(
    name,
    { kind: opts.kind ?? SpanKind.INTERNAL, attributes },
    opts.parent ?? context.active(),
    async (span) => {
      try {
        return await run(span);
      } catch (err) {
        failSpan(span, err);
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

export function failSpan(span: Span, err: unknown): void {
  span.recordException(err as Error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
}

/** The trace id of the active span, when there is one (for log and audit lines). */
export function activeTraceId(): string | undefined {
  const sc = trace.getSpanContext(context.active());
  return sc && trace.isSpanContextValid(sc) ? sc.traceId : undefined;
}

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/** The trace id a W3C `traceparent` value names, when it is a valid one (no SDK needed). */
export function traceIdOfTraceparent(traceparent: unknown): string | undefined {
  const m = typeof traceparent === 'string' ? TRACEPARENT.exec(traceparent) : null;
  return m && isValidTraceId(m[1]!) ? m[1] : undefined;
}
