// A sink with no socket: it waits for one outcome from the stream (the response, say), then tells the view to stop.
import type { EventSink, SinkEvent } from './sinks.ts';

export abstract class SettlingSink<T> implements EventSink {
  readonly resumable = false;
  /** resolves with the outcome once the stream gave it, or with `ended` when the stream ended first */
  readonly outcome: Promise<T>;
  private resolve!: (value: T) => void;
  private settled = false;
  private readonly closeListeners: (() => void)[] = [];

  constructor(private readonly ended: T) {
    this.outcome = new Promise((r) => {
      this.resolve = r;
    });
  }

  /** Looks at one event; returns the outcome when this event is it. Never full: it keeps nothing but the outcome. */
  protected abstract take(event: SinkEvent): T | undefined;

  write(event: SinkEvent): boolean {
    if (this.settled) return true;
    const outcome = this.take(event);
    if (outcome !== undefined) this.settle(outcome);
    return true;
  }
  onDrain(): void {}
  onClose(listener: () => void): void {
    if (this.settled) listener();
    else this.closeListeners.push(listener);
  }
  end(): void {
    this.settle(this.ended);
  }

  protected settle(value: T): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve(value);
    for (const l of this.closeListeners.splice(0)) l();
  }
}
