// Starts a call on a stream of its own: the view is registered before the job exists (so it sees every wake-up
// from the first, with no initial read), then the stream is opened naming this node and the job is enqueued.
// A request whose id is already in flight in the session starts nothing: the caller attaches to that call (the
// same request, retried) or refuses it (another request under the same id).
import { SpanKind, context, propagation, trace, type Context } from '@opentelemetry/api';
import {
  FleetError,
  SPAN_ATTR,
  inSpan,
  newRequestStreamId,
  taskJobId,
  tracingEnabled,
  type CallJob,
  type StreamLease,
  type TaskRecord,
} from '@mcp-fleet/shared';
import type { FrontDeps } from '../deps.ts';
import type { JobRequest } from '../protocol/planner.ts';
import type { StreamView } from '../streams/stream-view.ts';

export type StartedCall =
  /** `task`: the task the call runs as, recorded before its job was enqueued */
  | { kind: 'started'; job: CallJob; view: StreamView; task?: TaskRecord }
  | { kind: 'duplicate'; jobId: string; sameRequest: boolean };

/**
 * `lease`: the lease on the session's open streams the call's SSE response holds, taken as the stream opens.
 * `checkSession`: the session was recalled, not read — the stream's opening checks it (404 when it is gone).
 */
export async function startCall(
  deps: FrontDeps,
  request: JobRequest,
  queue: string,
  lease?: StreamLease,
  checkSession = false,
): Promise<StartedCall> {
  // A task's call writes the task's stream; its record is there before its job is (tasks/get finds it at once).
  const streamId = request.task ? taskJobId(request.task.id) : newRequestStreamId(request.session.sessionId);
  // Object.assign, not a spread: on Node 20 a spread with fields after it builds a slow object (docs/architecture.md,
  // "Object spreads on hot paths").
  const job: CallJob = Object.assign({}, request, { streamId, jobId: streamId });
  const task = job.task ? await deps.tasks.create(job) : undefined;
  // Tracing on: the call's spans (the view's SSE writes included) continue the trace the call belongs to.
  const parent = tracingEnabled() ? dispatchParent(job) : undefined;
  const prepare = () =>
    deps.hub.prepare({
      streamKey: deps.keys.stream(job.session, streamId),
      metaKey: deps.keys.streamMeta(job.session, streamId),
      streamId,
      afterSeq: 0,
      requestId: job.requestId,
    });
  const view = parent ? context.with(parent, prepare) : prepare();
  try {
    const limits = job.method === 'tools/call' ? deps.catalog.toolLimits(job.target) : undefined;
    const r = await inSpan(
      `dispatch ${job.method}`,
      {
        kind: SpanKind.INTERNAL,
        parent,
        attributes: () => ({
          [SPAN_ATTR.method]: job.method,
          [SPAN_ATTR.target]: job.target,
          [SPAN_ATTR.jobId]: job.jobId,
          [SPAN_ATTR.node]: deps.nodeId,
        }),
      },
      async () => {
        // The stream's meta will name this node's channel for it: listen there before the job can append.
        await deps.hub.listening(view.opts.streamKey);
        const check = checkSession ? deps.sessions : undefined;
        return deps.dispatcher.enqueue(queue, job, deps.hub.channelFor(view.opts.streamKey), limits, lease, check);
      },
    );
    if (r.kind === 'duplicate') {
      view.close();
      return r;
    }
  } catch (err) {
    view.close();
    if (err instanceof FleetError) err.id ??= job.requestId;
    throw err;
  }
  return { kind: 'started', job, view, task };
}

/**
 * The dispatch span continues the request's HTTP span — unless the call's `_meta` names another trace (SEP-414: the
 * message's own context wins over the transport's), which it then continues instead.
 */
function dispatchParent(job: CallJob): Context {
  const active = context.active();
  if (!job.trace?.traceparent) return active;
  const fromJob = propagation.extract(active, job.trace);
  const theirs = trace.getSpanContext(fromJob);
  if (!theirs || !trace.isSpanContextValid(theirs)) return active;
  return trace.getSpanContext(active)?.traceId === theirs.traceId ? active : fromJob;
}
