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

/**
 * A sink writing to an HTTP response: drain, close and end are the socket's. An idle SSE response may live for hours,
 * 10,000s to a node, so it keeps little: one 'close' listener (not one `once` wrapper per party), and its head in one
 * flat string once sent (flattenHead).
 */
abstract class ResponseSink implements EventSink {
  abstract readonly resumable: boolean;
  private closeListener?: () => void;
  constructor(protected readonly raw: ServerResponse) {
    raw.on('close', () => this.closed());
  }
  abstract write(event: SinkEvent): boolean;
  onDrain(listener: () => void): void {
    this.raw.once('drain', listener);
  }
  onClose(listener: () => void): void {
    const before = this.closeListener;
    this.closeListener = before
      ? () => {
          before();
          listener();
        }
      : listener;
  }
  /** The response closed (finished, or the client went away). */
  protected closed(): void {
    const listener = this.closeListener;
    this.closeListener = undefined;
    listener?.();
  }
  end(abrupt = false): void {
    if (abrupt) this.raw.destroy();
    else if (!this.raw.writableEnded) this.raw.end();
  }
}

/**
 * Node keeps a response's head (`_header`) for the response's life as the string it concatenated it into: a tree of
 * ~25 pieces, ~700 B. Once the head is on the wire Node only checks that it is there, so it is replaced by the same
 * text in one flat string (~250 B) — for an SSE response held open for hours, that is a third of what Node keeps
 * per response besides the socket.
 */
function flattenHead(raw: ServerResponse): void {
  const r = raw as unknown as { _header?: unknown; _headerSent?: boolean };
  if (typeof r._header === 'string' && r._headerSent === true) {
    r._header = Buffer.from(r._header, 'latin1').toString('latin1');
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
  }
  protected override closed(): void {
    clearTimeout(this.headerTimer);
    super.closed();
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
    if (!out) return true;
    const room = this.raw.write(out);
    this.headSent();
    return room;
  }
  /** The wait is over: the headers go, with the resume point if one is held. */
  private flushHeld(): void {
    this.headerTimer = undefined;
    if (this.raw.destroyed || this.raw.writableEnded) return;
    if (this.held) this.raw.write(this.takeHeld());
    else this.raw.flushHeaders();
    this.headSent();
  }
  private headFlat = false;
  /** After the first write: the head is on the wire (once). */
  private headSent(): void {
    if (this.headFlat) return;
    this.headFlat = true;
    flattenHead(this.raw);
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
    flattenHead(raw);
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
