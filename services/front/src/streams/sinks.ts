// Where a stream view delivers events: an SSE response, or (JSON response mode) one JSON object at the end.
import type { ServerResponse } from 'node:http';
import { formatEventId, sseFrame, type StreamEvent } from '@mcp-fleet/shared';

export interface EventSink {
  /** Delivers one event; returns false when the socket's buffer is full (wait for drain before the next). */
  deliver(streamId: string, ev: StreamEvent): boolean;
  comment(text: string): void;
  end(): void;
  /** Ends the connection abruptly (the client may resume elsewhere). */
  abort(): void;
  readonly raw: ServerResponse;
  /** the connection may be closed mid-stream for the client to reconnect (SSE only) */
  readonly pollable: boolean;
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

/** Headers wait for the first event (one write instead of two for a quick call), but no longer than this. */
const HEADER_DELAY_MS = 100;

export class SseSink implements EventSink {
  readonly pollable = true;
  private headerTimer?: NodeJS.Timeout;
  constructor(
    readonly raw: ServerResponse,
    private readonly retryMs: number,
    extraHeaders: Record<string, string> = {},
  ) {
    raw.writeHead(200, { ...SSE_HEADERS, ...extraHeaders });
    // (No headersSent check: Node reports true right after writeHead, before anything reached the socket.)
    this.headerTimer = setTimeout(() => {
      this.headerTimer = undefined;
      if (!raw.destroyed && !raw.writableEnded) raw.flushHeaders();
    }, HEADER_DELAY_MS);
    raw.once('close', () => clearTimeout(this.headerTimer));
  }
  private write(chunk: string): boolean {
    if (this.headerTimer) {
      clearTimeout(this.headerTimer);
      this.headerTimer = undefined;
    }
    return this.raw.write(chunk);
  }
  /** 2025-11-25 priming event: an id to resume from and the reconnect delay, with empty data (SEP-1699). */
  prime(streamId: string, seq: number): void {
    this.write(`id: ${formatEventId(streamId, seq)}\nretry: ${this.retryMs}\ndata: \n\n`);
  }
  deliver(streamId: string, ev: StreamEvent): boolean {
    if (ev.kind === 'e') return true;
    // Before the server closes a connection it names the point to resume from and when (SEP-1699).
    if (ev.kind === 'c')
      return this.write(`id: ${formatEventId(streamId, ev.seq)}\nretry: ${this.retryMs}\ndata: \n\n`);
    return this.write(sseFrame(streamId, ev));
  }
  comment(text: string): void {
    this.write(`: ${text}\n\n`);
  }
  end(): void {
    clearTimeout(this.headerTimer);
    if (!this.raw.writableEnded) this.raw.end();
  }
  abort(): void {
    this.raw.destroy();
  }
}

/** JSON response mode: progress and logs have nowhere to go; the response is written when it arrives. */
export class JsonSink implements EventSink {
  readonly pollable = false;
  constructor(
    readonly raw: ServerResponse,
    private readonly headers: Record<string, string> = {},
  ) {}
  deliver(_streamId: string, ev: StreamEvent): boolean {
    if (ev.kind === 'f' && !this.raw.headersSent) {
      this.raw.writeHead(200, { 'content-type': 'application/json', ...this.headers });
      this.raw.end(ev.data);
    }
    return true;
  }
  comment(): void {}
  end(): void {
    // Ended without a response (the request was cancelled): nothing to say, and no JSON-RPC response may be sent.
    if (!this.raw.headersSent) {
      this.raw.writeHead(204, this.headers);
      this.raw.end();
    } else if (!this.raw.writableEnded) this.raw.end();
  }
  abort(): void {
    this.raw.destroy();
  }
}
