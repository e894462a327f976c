// Waits for the response event of a request stream, without an HTTP response of its own (2025-03-26 batches
// answer every request of the batch in one JSON array).
import { PassThrough } from 'node:stream';
import type { ServerResponse } from 'node:http';
import type { StreamEvent } from '@mcp-fleet/shared';
import type { EventSink } from './sinks.ts';

export class CollectSink implements EventSink {
  readonly pollable = false;
  /** A stand-in for the socket: the view listens for its close and drain like on a real response. */
  readonly raw = new PassThrough() as unknown as ServerResponse;
  readonly done: Promise<string | undefined>;
  private resolve!: (data: string | undefined) => void;

  constructor() {
    this.done = new Promise((r) => (this.resolve = r));
  }
  deliver(_streamId: string, ev: StreamEvent): boolean {
    if (ev.kind === 'f') this.resolve(ev.data);
    return true;
  }
  comment(): void {}
  end(): void {
    this.resolve(undefined);
    (this.raw as unknown as PassThrough).destroy();
  }
  abort(): void {
    this.end();
  }
}
