// Starts a call on a stream of its own: the view is registered before the job exists (so it sees every wake-up
// from the first, with no initial read), then the stream is opened naming this node and the job is enqueued.
import { newRequestStreamId, type CallJob } from '@mcp-fleet/shared';
import type { FrontDeps } from '../deps.ts';
import type { JobRequest } from '../protocol/planner.ts';
import type { StreamView } from '../streams/stream-view.ts';

export async function startCall(
  deps: FrontDeps,
  request: JobRequest,
  queue: string,
): Promise<{ job: CallJob; view: StreamView }> {
  const streamId = newRequestStreamId(request.session.sessionId);
  const job: CallJob = { ...request, streamId, jobId: streamId };
  const view = deps.hub.prepare({
    streamKey: deps.keys.stream(job.session, streamId),
    streamId,
    afterSeq: 0,
  });
  try {
    await deps.dispatcher.enqueue(queue, job, deps.hub.channel);
  } catch (err) {
    view.close();
    throw err;
  }
  return { job, view };
}
