// Fan-in: every open SSE stream of this node shares two Redis connections — the command connection for reads and
// one subscriber for wake-ups (DESIGN invariant 4). A stream costs a channel subscription, not a connection.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { decodeWake } from '@mcp-fleet/shared';
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
  async open(opts: Omit<StreamViewOptions, 'onClose'>): Promise<StreamView> {
    const view = new StreamView(this.redis, { ...opts, onClose: (v) => this.detach(v) }, this.log);
    let views = this.byChannel.get(opts.channel);
    if (!views) {
      views = new Set();
      this.byChannel.set(opts.channel, views);
      views.add(view);
      await this.subscriber.subscribe(opts.channel);
    } else views.add(view);
    if (!view.isClosed) await view.pull();
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
