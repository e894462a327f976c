// Where a stream view delivers events. The view decides what each stored event means (which ones end the
// response, when a connection may be closed for polling); a sink only formats what it is handed and says whether
// there is room for more. Sinks over an HTTP response share ResponseSink; others (a batch, a 2026-07-28 call's
// outcome) have no socket at all.
import type { ServerResponse } from 'node:http';
import { formatEventId, sseFrame, supportsPriming } from '@mcp-fleet/shared';

/** One thing to write, as the view hands it over. */
export type SinkEvent =
  /** a notification or server→client request */
  | { type: 'message'; streamId: string; seq: number; data: string }
  /** the answer to a request */
  | { type: 'response'; streamId: string; seq: number; data: string }
  /** questions for a 2026-07-28 client (only its calls write them) */
  | { type: 'inputRequests'; streamId: string; seq: number; data: string }
  /** a 2026-07-28 call became a task (only its calls write this) */
  | { type: 'task'; streamId: string; seq: number; data: string }
  /** the stream ended with no response (the request was cancelled); the view ends the sink right after */
  | { type: 'streamEnd'; streamId: string; seq: number }
  /** an id to resume from, with no message: the priming event, or the last word before the server closes */
  | { type: 'resumePoint'; streamId: string; seq: number }
  | { type: 'keepalive' };

export interface EventSink {
  /** Writes one event; false when the buffer is full (wait for onDrain before the next). */
  write(event: SinkEvent): boolean;
  onDrain(listener: () => void): void;
  /** The other side went away, or the sink has what it needed: the view stops reading. */
  onClose(listener: () => void): void;
  /** Ends the response; `abrupt` drops the connection instead (the client may resume elsewhere). */
  end(abrupt?: boolean): void;
  /** The client can resume from the events' ids (SSE), so the view may close the connection mid-stream. */
  readonly resumable: boolean;
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

/** A sink writing to an HTTP response: drain, close and end are the socket's. */
abstract class ResponseSink implements EventSink {
  abstract readonly resumable: boolean;
  constructor(protected readonly raw: ServerResponse) {}
  abstract write(event: SinkEvent): boolean;
  onDrain(listener: () => void): void {
    this.raw.once('drain', listener);
  }
  onClose(listener: () => void): void {
    this.raw.once('close', listener);
  }
  end(abrupt = false): void {
    if (abrupt) this.raw.destroy();
    else if (!this.raw.writableEnded) this.raw.end();
  }
}

/** Headers wait for the first event (one write instead of two for a quick call), but no longer than this. */
const HEADER_DELAY_MS = 100;
/** A priming event waits this long for the call's first message or answer to share its write. */
const PRIMING_HOLD_MS = 5;

/**
 * What an id-bearing event without a message looks like to clients of versions before 2025-11-25, which may fail on
 * the priming event's empty data: a notification of ours, which clients ignore (unknown notifications are dropped).
 */
const RESUME_POINT_NOTIFICATION = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/mcp-fleet/resumable' });

/** Streamable HTTP: resumable SSE, event id `<streamId>:<seq>`. */
export class SseSink extends ResponseSink {
  readonly resumable = true;
  private headerTimer?: NodeJS.Timeout;
  /** the priming event, held back with the headers: a quick call's headers, priming and answer go in one write */
  private held = '';
  constructor(
    raw: ServerResponse,
    private readonly retryMs: number,
    /** how a resume point is written: the 2025-11-25 priming event, or a notification older clients ignore */
    private readonly resumePoint: 'empty' | 'notification' = 'empty',
  ) {
    super(raw);
    raw.writeHead(200, SSE_HEADERS);
    // (No headersSent check: Node reports true right after writeHead, before anything reached the socket.)
    this.headerTimer = setTimeout(() => this.flushHeld(), HEADER_DELAY_MS);
    raw.once('close', () => clearTimeout(this.headerTimer));
  }
  write(event: SinkEvent): boolean {
    const frame = this.frame(event);
    if (this.headerTimer) {
      // The first resume point waits with the headers for what follows it, briefly: it is what a client whose
      // connection drops resumes from.
      if (event.type === 'resumePoint' && !this.held) {
        this.held = frame;
        clearTimeout(this.headerTimer);
        this.headerTimer = setTimeout(() => this.flushHeld(), PRIMING_HOLD_MS);
        return true;
      }
      clearTimeout(this.headerTimer);
      this.headerTimer = undefined;
    }
    const out = this.held ? this.takeHeld() + frame : frame;
    return out ? this.raw.write(out) : true;
  }
  /** The wait is over: the headers go, with the resume point if one is held. */
  private flushHeld(): void {
    this.headerTimer = undefined;
    if (this.raw.destroyed || this.raw.writableEnded) return;
    if (this.held) this.raw.write(this.takeHeld());
    else this.raw.flushHeaders();
  }
  private takeHeld(): string {
    const h = this.held;
    this.held = '';
    return h;
  }
  private frame(event: SinkEvent): string {
    switch (event.type) {
      case 'message':
      case 'response':
        return sseFrame(event.streamId, event.seq, event.data);
      case 'resumePoint':
        // SEP-1699: an id to resume from and the reconnect delay, with empty data.
        if (this.resumePoint === 'notification') return sseFrame(event.streamId, event.seq, RESUME_POINT_NOTIFICATION);
        return `id: ${formatEventId(event.streamId, event.seq)}\nretry: ${this.retryMs}\ndata: \n\n`;
      case 'keepalive':
        return ': keep-alive\n\n';
      case 'inputRequests':
      case 'task':
      case 'streamEnd':
        return '';
    }
  }
  override end(abrupt = false): void {
    clearTimeout(this.headerTimer);
    this.headerTimer = undefined;
    if (!abrupt && this.held && !this.raw.destroyed && !this.raw.writableEnded) this.raw.write(this.takeHeld());
    super.end(abrupt);
  }
}

/** JSON response mode: progress and logs have nowhere to go; the response is written when it arrives. */
export class JsonSink extends ResponseSink {
  readonly resumable = false;
  write(event: SinkEvent): boolean {
    if (event.type === 'response' && !this.raw.headersSent) {
      this.raw.writeHead(200, { 'content-type': 'application/json' });
      this.raw.end(event.data);
    }
    return true;
  }
  override end(abrupt = false): void {
    // Ended without a response (the request was cancelled): nothing to say, and no JSON-RPC response may be sent.
    if (!abrupt && !this.raw.headersSent) {
      this.raw.writeHead(204);
      this.raw.end();
    } else super.end(abrupt);
  }
}

/** The 2024-11-05 HTTP+SSE transport: `event: message` frames without ids (that transport has no resumption). */
export class LegacySseSink extends ResponseSink {
  readonly resumable = false;
  constructor(raw: ServerResponse, endpoint: string) {
    super(raw);
    raw.writeHead(200, SSE_HEADERS);
    raw.write(`event: endpoint\ndata: ${endpoint}\n\n`);
  }
  write(event: SinkEvent): boolean {
    if (event.type === 'message' || event.type === 'response')
      return this.raw.write(`event: message\ndata: ${event.data}\n\n`);
    if (event.type === 'keepalive') return this.raw.write(': keep-alive\n\n');
    return true;
  }
}

/**
 * Every Streamable HTTP stream starts with an event that carries an id, so a client whose connection drops before
 * the first message can still resume. 2025-11-25 has the priming event for it (id, retry, empty data); clients of
 * earlier versions may fail on empty data, so they get an id-bearing notification they ignore instead.
 */
export function primingStyle(version: string): 'empty' | 'notification' {
  return supportsPriming(version) ? 'empty' : 'notification';
}
