// A view of one Redis stream written to one sink (docs/architecture.md, "Fan-in and backpressure"): events are appended to Redis before
// any client sees them, and a view reads them as fast as its sink drains.
//
// Events reach the view two ways: the wake-up published with each append carries the event itself, and a view
// that is caught up and whose socket has room delivers it at once (no read). Otherwise (a gap, a full socket, a
// read already running) the view marks itself dirty and pulls with XRANGE after the last delivered seq, one batch
// at a time and only when the socket drains; what a batch holds beyond what the socket took waits in the view for
// the next drain (never re-read). Batches are sized to about BATCH_BYTES, so a slow client costs one batch.
// A view can exist before its response does (a call's view is registered before its job is enqueued, so no
// wake-up is missed): until start(), wake-ups are kept, up to one batch, and beyond that re-read from Redis.
import { context, type Context } from '@opentelemetry/api';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  FleetError,
  SPAN_ATTR,
  fleetMetrics,
  fleetTracer,
  tracingEnabled,
  decodeEntries,
  entryId,
  isRedisOutage,
  type JsonRpcId,
  type StreamEvent,
  type Wake,
} from '@mcp-fleet/shared';
import type { EventSink } from './sinks.ts';

/** Events per read at most, and the bytes a read should hold: the count adapts to the stream's event size. */
const READ_BATCH = 256;
const BATCH_BYTES = 256 * 1024;

export interface StreamViewOptions {
  streamKey: string;
  metaKey: string;
  streamId: string;
  /** the last seq the client already has; delivery starts after it */
  afterSeq: number;
  /** the JSON-RPC id of the request a request stream answers (for an explicit error when the stream is lost) */
  requestId?: JsonRpcId;
}

/**
 * What a view needs from whoever holds it (the hub): one object shared by every view, so a view costs no closure.
 * A node may hold 10,000s of idle views; each byte a view keeps is multiplied by that.
 */
export interface ViewOwner {
  readonly log: Logger;
  /** how long reads may fail for a Redis outage before the connection is given up */
  readonly outageGraceMs: number;
  /** the view closed: forget it */
  detach(view: StreamView): void;
}

export class StreamView {
  private lastSeq: number;
  private reading = false;
  private dirty = false;
  private waitingDrain = false;
  private closed = false;
  /** the stream's last event (the response, or its end) went out here: the call's append gave its lease back */
  answered = false;
  private sink?: EventSink;
  /** wake-ups that came before start() (allocated only then: most views never have any) */
  private early?: StreamEvent[];
  /** events read but not yet written (the socket was full): delivered on the next drain */
  private unsent?: StreamEvent[];
  private batch = READ_BATCH;
  /** the number of the claim this view serves its stream under (a takeover with a higher one ends it) */
  claim = 0;
  /** when reads started failing for a Redis outage */
  private outageSince?: number;
  private retryTimer?: NodeJS.Timeout;
  /** tracing on: the context the view was opened in (its request's HTTP span), parent of its SSE write spans */
  private readonly traceContext?: Context;

  constructor(
    private readonly redis: Redis,
    /** the caller's options, kept as given (not copied) */
    readonly opts: StreamViewOptions,
    private readonly owner: ViewOwner,
  ) {
    this.lastSeq = opts.afterSeq;
    if (tracingEnabled()) this.traceContext = context.active();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The last seq this view delivered (or was told the client has). */
  get deliveredSeq(): number {
    return this.lastSeq;
  }

  /**
   * Connects the view to its sink and delivers what arrived before. `prime`: first hand the client the point it
   * resumes from (2025-11-25's priming event, SEP-1699), before any message.
   */
  start(sink: EventSink, opts: { prime?: boolean } = {}): void {
    if (this.closed) {
      // Taken over (or shut down) before its response existed: end that response too, never leave it open.
      sink.end();
      return;
    }
    this.sink = sink;
    sink.onClose(() => this.close());
    if (opts.prime) sink.write({ type: 'resumePoint', streamId: this.opts.streamId, seq: this.lastSeq });
    const early = this.early;
    this.early = undefined;
    if (early) for (const ev of early) this.onWake(ev);
    if (this.dirty) void this.pull();
  }

  /** A wake-up arrived for this stream. */
  onWake(wake: Wake): void {
    if (this.closed || wake.seq <= this.lastSeq) return;
    const ev = wake.data === undefined ? undefined : (wake as StreamEvent);
    if (!this.sink) {
      if (!ev || (this.early?.length ?? 0) >= READ_BATCH) this.dirty = true;
      else if (this.early) this.early.push(ev);
      else this.early = [ev];
      return;
    }
    if (ev && !this.reading && !this.waitingDrain && ev.seq === this.lastSeq + 1) {
      this.deliver(ev);
      return;
    }
    this.dirty = true;
    void this.pull();
  }

  /** Reads what is in Redis after the last delivered event; called at attach and whenever behind. */
  async pull(): Promise<void> {
    if (!this.sink || this.reading || this.waitingDrain || this.closed) return;
    this.reading = true;
    try {
      let full = false;
      do {
        let unsent = this.unsent;
        if (!unsent?.length) {
          this.dirty = false;
          const count = this.batch;
          const raw = (await this.redis.xrange(
            this.opts.streamKey,
            entryId(this.lastSeq + 1),
            '+',
            'COUNT',
            count,
          )) as [string, string[]][];
          full = raw.length === count;
          unsent = decodeEntries(raw);
          this.unsent = unsent;
          this.sizeBatch(unsent);
        }
        while (unsent.length) {
          const ev = unsent.shift()!;
          if (this.closed) return;
          if (ev.seq <= this.lastSeq) continue;
          if (ev.seq !== this.lastSeq + 1) {
            // Trimmed under a slow reader: never deliver a silent gap. Drop the connection; the client's resume
            // then gets a clear 410 for the missing range.
            this.owner.log.warn(
              { stream: this.opts.streamId, after: this.lastSeq, next: ev.seq },
              'stream trimmed under reader',
            );
            this.abort();
            return;
          }
          this.deliver(ev);
          if (this.waitingDrain) return;
        }
      } while (!this.closed && (this.dirty || full));
      this.unsent = undefined;
      this.outageSince = undefined;
    } catch (err) {
      if (isRedisOutage(err)) this.retryLater();
      else {
        this.owner.log.warn(
          { err: (err as Error).message, stream: this.opts.streamId },
          'stream read failed; dropping connection',
        );
        this.abort();
      }
    } finally {
      this.reading = false;
    }
  }

  /**
   * Redis is not answering: read again shortly, for up to REDIS_OUTAGE_GRACE_MS (keep-alives go on meanwhile).
   * Then give the connection up: a resumable client resumes later; any other gets an explicit error.
   */
  private retryLater(): void {
    this.outageSince ??= performance.now();
    if (performance.now() - this.outageSince > this.owner.outageGraceMs) {
      this.owner.log.warn({ stream: this.opts.streamId }, 'Redis unreachable for too long; giving the stream up');
      this.fail('REDIS_UNAVAILABLE');
      return;
    }
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.dirty = true;
      void this.pull();
    }, 250);
  }

  /**
   * The stream cannot go on: its data is gone, rolled back, or unreachable. A client that can resume gets its
   * connection closed (its resume then says why, 404 or 410); otherwise, a request stream answers its request with
   * the catalogued error — never silence.
   */
  fail(reason: 'CALL_STATE_LOST' | 'REDIS_UNAVAILABLE' | 'ROLLED_BACK'): void {
    if (this.closed) return;
    const sink = this.sink;
    if (!sink || reason === 'ROLLED_BACK' || (sink.resumable && reason === 'REDIS_UNAVAILABLE')) {
      this.abort();
      return;
    }
    if (this.opts.requestId !== undefined) {
      const error = new FleetError(reason, { id: this.opts.requestId, args: [] });
      const seq = this.lastSeq + 1;
      sink.write({ type: 'response', streamId: this.opts.streamId, seq, data: JSON.stringify(error.toJsonRpc()) });
    }
    this.end();
  }

  /** Next reads take about BATCH_BYTES: fewer events per read when they are large. */
  private sizeBatch(events: StreamEvent[]): void {
    if (!events.length) return;
    const bytes = events.reduce((n, e) => n + e.data.length, 0);
    this.batch = Math.max(1, Math.min(READ_BATCH, Math.floor((BATCH_BYTES * events.length) / Math.max(bytes, 1))));
  }

  /** Hands one event to the sink, in an `SSE write` span when tracing is on. */
  private deliver(ev: StreamEvent): void {
    fleetMetrics.sseEvent();
    if (!this.traceContext) {
      this.write(ev);
      return;
    }
    const span = fleetTracer().startSpan(
      'SSE write',
      { attributes: { [SPAN_ATTR.stream]: this.opts.streamId, [SPAN_ATTR.seq]: ev.seq, [SPAN_ATTR.kind]: ev.kind } },
      this.traceContext,
    );
    try {
      this.write(ev);
    } finally {
      span.end();
    }
  }

  /** What each kind means for the response is decided here, not in the sinks. */
  private write(ev: StreamEvent): void {
    const sink = this.sink!;
    const { streamId } = this.opts;
    this.lastSeq = ev.seq;
    let room = true;
    switch (ev.kind) {
      case 'message':
      case 'inputRequests':
      case 'task':
        room = sink.write({ type: ev.kind, streamId, seq: ev.seq, data: ev.data });
        break;
      case 'sharedResponse':
        // A response on the session's shared stream (HTTP+SSE): the stream goes on.
        room = sink.write({ type: 'response', streamId, seq: ev.seq, data: ev.data });
        break;
      case 'response':
        sink.write({ type: 'response', streamId, seq: ev.seq, data: ev.data });
        this.answered = true;
        this.end();
        return;
      case 'end':
        sink.write({ type: 'streamEnd', streamId, seq: ev.seq });
        this.answered = true;
        this.end();
        return;
      case 'closeConnection':
        // SEP-1699 polling: name the point to resume from, then close; a sink that cannot resume ignores it.
        if (!sink.resumable) break;
        sink.write({ type: 'resumePoint', streamId, seq: ev.seq });
        this.end();
        return;
    }
    if (!room && !this.closed) {
      this.waitingDrain = true;
      sink.onDrain(() => {
        this.waitingDrain = false;
        this.dirty = true;
        void this.pull();
      });
    }
  }

  keepalive(): void {
    if (this.sink && !this.closed && !this.waitingDrain) this.sink.write({ type: 'keepalive' });
  }

  /** Ends the response normally (shutdown, session deleted, another connection took the stream over). */
  end(): void {
    this.sink?.end();
    this.close();
  }

  private abort(): void {
    this.sink?.end(true);
    this.close();
  }

  /** Stops the view without a response (its call could not be started). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.early = undefined;
    this.unsent = undefined;
    this.owner.detach(this);
  }
}
