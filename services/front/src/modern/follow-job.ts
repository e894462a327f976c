// Runs a 2026-07-28 call's job (or continues a parked one) and follows its stream until there is something to
// answer: the response, or questions the client must answer by MRTR (input_required).
import type { SessionRef } from '@mcp-fleet/shared';
import type { FrontDeps } from '../deps.ts';
import { SettlingSink } from '../streams/settling-sink.ts';
import type { SinkEvent } from '../streams/sinks.ts';
import type { StreamView } from '../streams/stream-view.ts';

export type Questions = Record<string, { method: string; params?: Record<string, unknown> }>;

export type Outcome =
  | { kind: 'response'; message: { result?: unknown; error?: { code: number; message: string; data?: unknown } } }
  /** the job asked the client something (elicitation, sampling, roots): the call parks until the retry */
  | { kind: 'input'; questions: Questions; seq: number }
  /** the call became a task (tasks extension): the client gets CreateTaskResult, the job goes on */
  | { kind: 'task' }
  /** the stream ended without a response (cancelled) or the client went away */
  | { kind: 'ended' };

/** The call a request follows: its job, and the stream the job writes. */
export interface FollowedCall {
  session: SessionRef;
  streamId: string;
  jobId: string;
}

/** Where following starts: the view prepared before a fresh call's job was enqueued, or a seq of a parked call. */
export type FollowFrom = { prepared: StreamView } | { afterSeq: number };

/** A notification of the job, for the current request (progress, logs). */
export interface Notice {
  method: string;
  params?: Record<string, unknown>;
}

/** The outcome of a call's stream; its notifications go to `forward` as they come. */
class OutcomeSink extends SettlingSink<Outcome> {
  constructor(private readonly forward: (n: Notice) => void) {
    super({ kind: 'ended' });
  }
  protected take(event: SinkEvent): Outcome | undefined {
    switch (event.type) {
      case 'response':
        return {
          kind: 'response',
          message: JSON.parse(event.data) as Extract<Outcome, { kind: 'response' }>['message'],
        };
      case 'inputRequests':
        return {
          kind: 'input',
          questions: (JSON.parse(event.data) as { inputRequests: Questions }).inputRequests,
          seq: event.seq,
        };
      case 'task':
        return { kind: 'task' };
      case 'message': {
        const msg = JSON.parse(event.data) as Partial<Notice> & { id?: unknown };
        // 2026-07-28 jobs ask by inputRequests events; a stray request is never sent on the stream.
        if (msg.id === undefined && typeof msg.method === 'string')
          this.forward({ method: msg.method, params: msg.params });
        return undefined;
      }
      default:
        return undefined;
    }
  }
}

/**
 * Follows a call's stream: a fresh call through the view prepared before its job was enqueued, a continued one
 * (MRTR retry, possibly on another node) by claiming the stream from `afterSeq`.
 */
export async function followJob(
  deps: FrontDeps,
  call: FollowedCall,
  from: FollowFrom,
  forward: (n: Notice) => void,
  signal: AbortSignal,
): Promise<{ outcome: Outcome; aborted: boolean }> {
  const sink = new OutcomeSink(forward);
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    sink.end();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  try {
    if ('prepared' in from) from.prepared.start(sink);
    else {
      const streamKey = deps.keys.stream(call.session, call.streamId);
      const metaKey = deps.keys.streamMeta(call.session, call.streamId);
      await deps.hub.attach({ streamKey, metaKey, streamId: call.streamId, afterSeq: from.afterSeq }, sink);
    }
    return { outcome: await sink.outcome, aborted };
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
