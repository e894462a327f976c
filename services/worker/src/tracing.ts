// One span around each handler run, child of the trace the client's request carried (`_meta.traceparent`, or the
// HTTP header), so a trace spans front → queue → worker (docs/architecture.md, "Traces"). Only @opentelemetry/api here:
// without an SDK registered the span is non-recording but still carries the caller's trace id (for logs).
import { SpanKind, SpanStatusCode, context, propagation, trace, type Span } from '@opentelemetry/api';
import type { CallJob } from '@mcp-fleet/shared';

/** Span attribute names, in one place. */
export const ATTR = {
  method: 'mcp.method.name',
  target: 'mcp.target',
  session: 'mcp.session.id',
  requestId: 'jsonrpc.request.id',
  jobId: 'messaging.message.id',
} as const;

const tracer = trace.getTracer('mcp-fleet-worker');

export function withJobSpan<T>(job: CallJob, run: (span: Span) => Promise<T>): Promise<T> {
  const parent = propagation.extract(context.active(), job.trace ?? {});
  const attributes = {
    [ATTR.method]: job.method,
    [ATTR.target]: job.target,
    [ATTR.session]: job.session.sessionId,
    [ATTR.requestId]: String(job.requestId),
    [ATTR.jobId]: job.jobId,
  };
  return tracer.startActiveSpan(
    `${job.method} ${job.target}`,
    { kind: SpanKind.CONSUMER, attributes },
    parent,
    async (span) => {
      try {
        return await run(span);
      } catch (err) {
        // A run that parks to wait for the client is not an error: the job runs again once answered.
        if ((err as Error)?.name === 'ParkSignal') {
          span.addEvent('parked: waiting for the client');
          throw err;
        }
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}
