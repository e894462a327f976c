// A view of one Redis stream written to one HTTP response (DESIGN invariants 2–4).
//
// Events reach the view two ways: the wake-up published with each append carries the event itself, and a view
// that is caught up and whose socket has room delivers it at once (no read). Otherwise (a gap, a full socket, a
// read already running) the view marks itself dirty and pulls with XRANGE after the last delivered seq, one batch
// at a time and only when the socket drains: a slow client costs at most one batch of memory.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { decodeEntries, entryId, isTerminal, type StreamEvent } from '@mcp-fleet/shared';
import type { EventSink } from './sinks.ts';

const READ_BATCH = 256;

export interface StreamViewOptions {
  streamKey: string;
  streamId: string;
  channel: string;
  /** the last seq the client already has; delivery starts after it */
  afterSeq: number;
  /** end the response after the stream's terminal event (request streams) */
  endOnTerminal: boolean;
  sink: EventSink;
  onClose: (view: StreamView) => void;
}

export class StreamView {
  private lastSeq: number;
  private reading = false;
  private dirty = false;
  private waitingDrain = false;
  private closed = false;
  /** set on views that hold a stream exclusively (the standalone GET stream) */
  owner?: string;

  constructor(
    private readonly redis: Redis,
    readonly opts: StreamViewOptions,
    private readonly log: Logger,
  ) {
    this.lastSeq = opts.afterSeq;
    opts.sink.raw.on('close', () => this.close());
  }

  get channel(): string {
    return this.opts.channel;
  }
  get isClosed(): boolean {
    return this.closed;
  }

  /** A wake-up arrived for this stream. */
  onWake(ev: StreamEvent): void {
    if (this.closed || ev.seq <= this.lastSeq) return;
    if (!this.reading && !this.waitingDrain && ev.seq === this.lastSeq + 1) {
      this.deliver(ev);
      return;
    }
    this.dirty = true;
    void this.pull();
  }

  /** Reads what is in Redis after the last delivered event; called once at attach and whenever behind. */
  async pull(): Promise<void> {
    if (this.reading || this.waitingDrain || this.closed) return;
    this.reading = true;
    try {
      let full: boolean;
      do {
        this.dirty = false;
        const raw = (await this.redis.xrange(
          this.opts.streamKey, entryId(this.lastSeq + 1), '+', 'COUNT', READ_BATCH,
        )) as [string, string[]][];
        full = raw.length === READ_BATCH;
        for (const ev of decodeEntries(raw)) {
          if (this.closed) return;
          if (ev.seq <= this.lastSeq) continue;
          if (ev.seq !== this.lastSeq + 1) {
            // Trimmed under a slow reader: never deliver a silent gap. Drop the connection; the client's resume
            // then gets a clear 410 for the missing range.
            this.log.warn({ stream: this.opts.streamId, after: this.lastSeq, next: ev.seq }, 'stream trimmed under reader');
            this.abort();
            return;
          }
          this.deliver(ev);
          if (this.waitingDrain) return;
        }
      } while (!this.closed && (this.dirty || full));
    } catch (err) {
      this.log.warn({ err: (err as Error).message, stream: this.opts.streamId }, 'stream read failed; dropping connection');
      this.abort();
    } finally {
      this.reading = false;
    }
  }

  private deliver(ev: StreamEvent): void {
    this.lastSeq = ev.seq;
    const room = this.opts.sink.deliver(this.opts.streamId, ev);
    if ((isTerminal(ev.kind) && this.opts.endOnTerminal) || (ev.kind === 'c' && this.opts.sink.pollable)) {
      this.opts.sink.end();
      this.close();
      return;
    }
    if (!room) {
      this.waitingDrain = true;
      this.opts.sink.raw.once('drain', () => {
        this.waitingDrain = false;
        this.dirty = true;
        void this.pull();
      });
    }
  }

  keepalive(): void {
    if (!this.closed && !this.waitingDrain) this.opts.sink.comment('keep-alive');
  }

  /** Ends the response normally (shutdown, session deleted). */
  end(): void {
    this.opts.sink.end();
    this.close();
  }

  private abort(): void {
    this.opts.sink.abort();
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.opts.onClose(this);
  }
}
