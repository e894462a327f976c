// The SDK's ServerEventBus over Redis pub/sub: change events published by any process (a worker's
// resourceUpdated, the node that wins a catalog change) reach the `subscriptions/listen` streams open on every
// front node. The SDK owns the wire semantics (ack first, filtering, subscription ids); this only moves events.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ServerEvent, ServerEventBus } from '@modelcontextprotocol/server';
import type { FleetKeys } from '@mcp-fleet/shared';

export class RedisEventBus implements ServerEventBus {
  private readonly listeners = new Set<(event: ServerEvent) => void>();

  constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly keys: FleetKeys,
    private readonly log: Logger,
  ) {
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== keys.eventsChannel()) return;
      let event: ServerEvent;
      try {
        event = JSON.parse(message) as ServerEvent;
      } catch {
        return;
      }
      for (const l of [...this.listeners]) {
        try {
          l(event);
        } catch (err) {
          this.log.warn({ err: (err as Error).message }, 'listen stream listener failed');
        }
      }
    });
  }

  async start(): Promise<void> {
    await this.subscriber.subscribe(this.keys.eventsChannel());
  }

  /** Publishing goes through Redis, so every node (this one included) delivers the event exactly once. */
  publish(event: ServerEvent): void {
    this.redis.publish(this.keys.eventsChannel(), JSON.stringify(event)).catch((err: Error) => {
      this.log.warn({ err: err.message }, 'could not publish a change event');
    });
  }

  subscribe(listener: (event: ServerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
