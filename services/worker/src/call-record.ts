// The record of a call that ended: its audit line and its metrics (calls by tool and outcome, latency). Written by
// the worker, once, when the call got its outcome — the worker is the one place that knows how every call ends
// (result, tool error, JSON-RPC error, cancelled, interrupted) even when no client is connected any more, and a
// parked or retried call passes here only on the run that answers it. The front node may never see the end.
import { isValidTraceId } from '@opentelemetry/api';
import {
  activeTraceId,
  fleetIncidents,
  fleetMetrics,
  principalLabel,
  traceIdOfTraceparent,
  type AuditLog,
  type CallJob,
  type CallOutcome,
} from '@mcp-fleet/shared';

/** `ok`, or `tool_error` for a result with `isError: true`. */
export function outcomeOfResult(result: unknown): CallOutcome {
  return (result as { isError?: unknown } | undefined)?.isError === true ? 'tool_error' : 'ok';
}

/**
 * Records the end of a call. Its duration runs from the job's creation on the front node (enqueue) to now: what
 * the caller waited, queue and parked time included.
 */
export function recordCallEnd(
  audit: AuditLog,
  a: { job: CallJob; timestamp: number; attempt: number; outcome: CallOutcome; traceId?: string },
): void {
  const { job, outcome } = a;
  const durationMs = Math.max(0, Date.now() - a.timestamp);
  const tool = job.method === 'tools/call' ? job.target : undefined;
  fleetMetrics.callEnded({ method: job.method, tool, outcome, seconds: durationMs / 1000 });
  if (outcome === 'error' || outcome === 'tool_error' || outcome === 'interrupted') {
    fleetIncidents.record({
      kind: 'error',
      error: outcome,
      principal: principalLabel(job.caller),
      what: `${job.method} ${job.target}`,
    });
  }
  if (!audit.enabled) return;
  audit.call(
    {
      principal: principalLabel(job.caller),
      method: job.method,
      tool: job.target,
      outcome,
      durationMs,
      // Without an SDK and without a caller's trace the run's span is the all-zero invalid one: leave it out.
      traceId:
        (a.traceId && isValidTraceId(a.traceId) ? a.traceId : undefined) ??
        activeTraceId() ??
        traceIdOfTraceparent(job.trace?.traceparent),
      session: job.session.sessionId,
      requestId: job.requestId,
      jobId: job.jobId,
      attempt: a.attempt,
    },
    (job.params as { arguments?: unknown } | undefined)?.arguments,
  );
}
