// Starts a call on a stream of its own: the view is registered before the job exists (so it sees every wake-up
// from the first, with no initial read), then the stream is opened naming this node and the job is enqueued.
// A request whose id is already in flight in the session starts nothing: the caller attaches to that call (the
// same request, retried) or refuses it (another request under the same id).
import { newRequestStreamId, type CallJob } from '@mcp-fleet/shared';
import type { FrontDeps } from '../deps.ts';
import type { JobRequest } from '../protocol/planner.ts';
import type { StreamView } from '../streams/stream-view.ts';

export type StartedCall =
  | { kind: 'started'; job: CallJob; view: StreamView }
  | { kind: 'duplicate'; jobId: string; sameRequest: boolean };

export async function startCall(deps: FrontDeps, request: JobRequest, queue: string): Promise<StartedCall> {
  const streamId = newRequestStreamId(request.session.sessionId);
  const job: CallJob = { ...request, streamId, jobId: streamId };
  const view = deps.hub.prepare({
    streamKey: deps.keys.stream(job.session, streamId),
    metaKey: deps.keys.streamMeta(job.session, streamId),
    streamId,
    afterSeq: 0,
    requestId: job.requestId,
  });
  try {
    const r = await deps.dispatcher.enqueue(queue, job, deps.hub.channel);
    if (r.kind === 'duplicate') {
      view.close();
      return r;
    }
  } catch (err) {
    view.close();
    throw err;
  }
  return { kind: 'started', job, view };
}
