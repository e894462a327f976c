// Runs a 2026-07-28 call's job (or continues a parked one) and follows its stream until there is something to
// answer: the response, or a server→client request the client must fulfil by MRTR (input_required).
import { PassThrough } from 'node:stream';
import type { ServerResponse } from 'node:http';
import type { SessionRef, StreamEvent } from '@mcp-fleet/shared';
import type { FrontDeps } from '../deps.ts';
import type { EventSink } from '../streams/sinks.ts';
import type { StreamView } from '../streams/stream-view.ts';

export type Outcome =
  | { kind: 'response'; message: { result?: unknown; error?: { code: number; message: string; data?: unknown } } }
  /** the job asked the client something (elicitation, sampling, roots): the call parks until the retry */
  | { kind: 'input'; requests: Record<string, { method: string; params?: Record<string, unknown> }>; seq: number }
  /** the stream ended without a response (cancelled) or the client went away */
  | { kind: 'ended' };

type JsonRpc = {
  id?: string | number;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: never;
};

/** A sink with no socket: events go to callbacks; the first outcome settles it. */
class OutcomeSink implements EventSink {
  readonly pollable = false;
  readonly raw = new PassThrough() as unknown as ServerResponse;
  readonly outcome: Promise<Outcome>;
  private settle!: (o: Outcome) => void;
  private settled = false;

  constructor(private readonly forward: (notification: JsonRpc) => void) {
    this.outcome = new Promise((r) => (this.settle = r));
  }
  private finish(o: Outcome): void {
    if (this.settled) return;
    this.settled = true;
    this.settle(o);
    (this.raw as unknown as PassThrough).destroy(); // closes the view: nothing more is read
  }
  deliver(_streamId: string, ev: StreamEvent): boolean {
    if (this.settled) return true;
    if (ev.kind === 'e') this.finish({ kind: 'ended' });
    else if (ev.kind === 'f' || ev.kind === 'r')
      this.finish({ kind: 'response', message: JSON.parse(ev.data) as Outcome & never });
    else if (ev.kind === 'm') {
      const msg = JSON.parse(ev.data) as JsonRpc;
      if (msg.id !== undefined && msg.method) {
        // MRTR: a 2026-07-28 server never sends requests on the stream; the call answers input_required instead.
        this.finish({
          kind: 'input',
          requests: { [String(msg.id)]: { method: msg.method, params: msg.params } },
          seq: ev.seq,
        });
      } else this.forward(msg);
    }
    return true;
  }
  comment(): void {}
  end(): void {
    this.finish({ kind: 'ended' });
  }
  abort(): void {
    this.finish({ kind: 'ended' });
  }
}

/**
 * Follows a call's stream: a fresh call through the view prepared before its job was enqueued, a continued one
 * (MRTR retry, possibly on another node) by claiming the stream from `afterSeq`.
 */
export async function followJob(
  deps: FrontDeps,
  call: { session: SessionRef; streamId: string },
  from: { prepared: StreamView } | { afterSeq: number },
  forward: (notification: JsonRpc) => void,
  signal: AbortSignal,
): Promise<{ outcome: Outcome; aborted: boolean }> {
  const sink = new OutcomeSink(forward);
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    sink.abort();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  try {
    if ('prepared' in from) from.prepared.start(sink);
    else {
      const streamKey = deps.keys.stream(call.session, call.streamId);
      const metaKey = deps.keys.streamMeta(call.session, call.streamId);
      await deps.hub.attach(
        { streamKey, metaKey, streamId: call.streamId, afterSeq: from.afterSeq, endOnTerminal: true },
        sink,
      );
    }
    const outcome = await sink.outcome;
    return { outcome, aborted };
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
