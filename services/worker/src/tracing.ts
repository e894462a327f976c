// One span around each handler run ("tool run"), so a trace spans front → queue → worker → stream
// (docs/architecture.md, "Traces"). Its parent is BullMQ's `process` span when the worker runs with tracing on
// (bullmq-otel carries the front's enqueue context in the job); otherwise the trace the client's request carried
// (`_meta.traceparent`, or the HTTP header, in job.trace): without an SDK registered the span is non-recording but
// still carries the caller's trace id (for logs).
import { SpanKind, context, propagation, trace, type Span } from '@opentelemetry/api';
import { SPAN_ATTR, failSpan, type CallJob } from '@mcp-fleet/shared';

const tracer = trace.getTracer('mcp-fleet-worker');

export function withJobSpan<T>(job: CallJob, run: (span: Span) => Promise<T>): Promise<T> {
  const active = context.active();
  const fromQueue = trace.getSpanContext(active);
  const parent =
    fromQueue && trace.isSpanContextValid(fromQueue) ? active : propagation.extract(active, job.trace ?? {});
  const attributes = {
    [SPAN_ATTR.method]: job.method,
    [SPAN_ATTR.target]: job.target,
    [SPAN_ATTR.session]: job.session.sessionId,
    [SPAN_ATTR.requestId]: String(job.requestId),
    [SPAN_ATTR.jobId]: job.jobId,
  };
  return tracer.startActiveSpan(
    `${job.method} ${job.target}`,
    { kind: SpanKind.INTERNAL, attributes },
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
        failSpan(span, err);
        throw err;
      } finally {
        span.end();
      }
    },
  );
}
