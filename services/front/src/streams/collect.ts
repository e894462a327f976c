// Waits for the response of a request stream, without an HTTP response of its own (2025-03-26 batches answer
// every request of the batch in one JSON array). Resolves undefined when the request ended without one (cancelled).
import { SettlingSink } from './settling-sink.ts';
import type { SinkEvent } from './sinks.ts';

export class CollectSink extends SettlingSink<string | undefined> {
  constructor() {
    super(undefined);
  }
  protected take(event: SinkEvent): string | undefined {
    return event.type === 'response' ? event.data : undefined;
  }
}
