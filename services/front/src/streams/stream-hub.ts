// Fan-in: every open SSE stream of this node shares two Redis connections — the command connection for reads and
// one subscriber for wake-ups (DESIGN invariant 4). A stream costs a channel subscription, not a connection.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { decodeWake, randomId } from '@mcp-fleet/shared';

/**
 * Wake payload that claims a stream for one view: a session's standalone stream may be open only once (each message
 * goes on exactly one stream), so a newer GET, on whatever node, closes the older one.
 */
const TAKEOVER = 'takeover ';
import { StreamView, type StreamViewOptions } from './stream-view.ts';

export class StreamHub {
  private readonly byChannel = new Map<string, Set<StreamView>>();
  private readonly keepaliveTimer: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly log: Logger,
    keepaliveMs: number,
  ) {
    subscriber.on('message', (channel: string, message: string) => {
      const views = this.byChannel.get(channel);
      if (!views) return;
      if (message.startsWith(TAKEOVER)) {
        const owner = message.slice(TAKEOVER.length);
        for (const v of [...views]) if (v.owner !== owner) v.end();
        return;
      }
      const ev = decodeWake(message);
      if (!ev) return;
      for (const v of views) v.onWake(ev);
    });
    // After a reconnect ioredis resubscribes by itself; events published while we were away are in the streams,
    // so every view re-reads.
    subscriber.on('ready', () => {
      for (const views of this.byChannel.values()) for (const v of views) void v.pull();
    });
    // One timer for all streams (not one per stream): comments keep load balancers from cutting idle connections.
    this.keepaliveTimer = setInterval(() => {
      for (const views of this.byChannel.values()) for (const v of views) v.keepalive();
    }, keepaliveMs);
    this.keepaliveTimer.unref();
  }

  get openStreams(): number {
    let n = 0;
    for (const views of this.byChannel.values()) n += views.size;
    return n;
  }

  /** Subscribes first, then reads: whatever was appended before the subscription is found by the first read. */
  async open(opts: Omit<StreamViewOptions, 'onClose'>, exclusive = false): Promise<StreamView> {
    const view = new StreamView(this.redis, { ...opts, onClose: (v) => this.detach(v) }, this.log);
    if (exclusive) view.owner = randomId(9);
    let views = this.byChannel.get(opts.channel);
    if (!views) {
      views = new Set();
      this.byChannel.set(opts.channel, views);
      views.add(view);
      await this.subscriber.subscribe(opts.channel);
    } else views.add(view);
    try {
      if (view.owner) await this.redis.publish(opts.channel, TAKEOVER + view.owner);
      if (!view.isClosed) await view.pull();
    } catch (err) {
      view.end();
      throw err;
    }
    return view;
  }

  private detach(view: StreamView): void {
    const views = this.byChannel.get(view.channel);
    if (!views) return;
    views.delete(view);
    if (views.size === 0) {
      this.byChannel.delete(view.channel);
      this.subscriber.unsubscribe(view.channel).catch(() => {});
    }
  }

  /** Ends every open stream (shutdown); clients holding event ids resume on another node. */
  closeAll(): void {
    clearInterval(this.keepaliveTimer);
    for (const views of [...this.byChannel.values()]) for (const v of [...views]) v.end();
  }
}
