// Fan-in: every open SSE stream of this node shares two Redis connections — the command connection for reads and
// one subscriber (docs/architecture.md, "Fan-in and backpressure"). The subscriber listens on ONE channel, this
// node's: each stream's meta names the node serving it, so appends wake that node only, and a stream costs no
// subscription at all. Over a Redis Cluster a publish must stay in its keys' slot, so the channel is per session
// and node instead (keys.shardedWakeChannel), subscribed with SSUBSCRIBE while a stream of the session is served
// here: subscriptions follow the sessions served, connections stay one per shard.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { claimStream, decodeNodeWakes } from '@mcp-fleet/shared';
import type { EventSink } from './sinks.ts';
import { StreamView, type StreamViewOptions, type ViewOwner } from './stream-view.ts';

// What a node keeps per open stream is multiplied by 10,000s of idle streams (docs/architecture.md, "Memory per idle
// stream"): the hub keeps a stream's views in a plain array (almost always one view; a Set would cost ~300 B more
// each), and every view shares the hub as its owner instead of closing over it.
export class StreamHub implements ViewOwner {
  private readonly byStream = new Map<string, StreamView[]>();
  /** the highest takeover heard per stream with views here: a claim still on its way is judged against it */
  private readonly takenOver = new Map<string, number>();
  private readonly keepaliveTimer: NodeJS.Timeout;
  /** sharded mode: channel → views using it, and its subscription */
  private readonly shardSubs = new Map<string, { users: number; ready: Promise<unknown> }>();

  constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    /** this node's wake channel */
    readonly channel: string,
    readonly log: Logger,
    keepaliveMs: number,
    readonly outageGraceMs: number,
    /** Redis Cluster: the sharded wake channel of a stream (undefined: this node's one channel) */
    private readonly shardedChannel?: (streamKey: string) => string,
  ) {
    const onMessage = (ch: string, message: string) => {
      if (shardedChannel ? !this.shardSubs.has(ch) : ch !== channel) return;
      for (const msg of decodeNodeWakes(message)) {
        const views = this.byStream.get(msg.streamKey);
        if (!views) continue;
        if (msg.takeover !== undefined) {
          // Another connection claimed the stream (a resume, a second GET): each message goes on one stream only.
          // A view whose own claim has not come back yet is judged when it does (attach), against the highest heard.
          this.takenOver.set(msg.streamKey, Math.max(msg.takeover, this.takenOver.get(msg.streamKey) ?? 0));
          for (const v of [...views]) if (v.claim < msg.takeover) v.end();
        } else {
          // A wake-up may end its view at once (a response), taking it out of `views`: iterate over a copy.
          for (const v of views.length === 1 ? views : [...views]) v.onWake(msg.event!);
        }
      }
    };
    subscriber.on(shardedChannel ? 'smessage' : 'message', onMessage);
    // Wake-ups published while the subscriber was reconnecting are in the streams: every view re-reads — after
    // checking its stream survived (Redis may have restarted without its data, or rolled back to an older save).
    subscriber.on('ready', () => void this.verifyAll());
    // One timer for all streams (not one per stream): comments keep load balancers from cutting idle connections.
    this.keepaliveTimer = setInterval(() => {
      for (const views of this.byStream.values()) for (const v of views) v.keepalive();
    }, keepaliveMs);
    this.keepaliveTimer.unref();
  }

  async start(): Promise<void> {
    if (!this.shardedChannel) await this.subscriber.subscribe(this.channel);
  }

  /** The channel appends to `streamKey` must wake this node on (what the stream's meta names as `ch`). */
  channelFor(streamKey: string): string {
    return this.shardedChannel ? this.shardedChannel(streamKey) : this.channel;
  }

  /** Resolves once this node hears the wake-ups of `streamKey` (sharded mode: its channel is subscribed). */
  listening(streamKey: string): Promise<unknown> {
    return this.shardSubs.get(this.channelFor(streamKey))?.ready ?? Promise.resolve();
  }

  get openStreams(): number {
    let n = 0;
    for (const views of this.byStream.values()) n += views.length;
    return n;
  }

  /**
   * A view of a stream this node is about to create (its job not yet enqueued, naming this node's channel): it sees
   * every wake-up from the first, so it needs no initial read. start() it once the response exists, or close() it
   * when the call could not be started.
   */
  prepare(opts: StreamViewOptions): StreamView {
    const view = new StreamView(this.redis, opts, this);
    const views = this.byStream.get(opts.streamKey);
    if (views) views.push(view);
    else this.byStream.set(opts.streamKey, [view]);
    if (this.shardedChannel) this.useChannel(this.shardedChannel(opts.streamKey), +1);
    return view;
  }

  /** Sharded mode: counts a view in or out of its channel, subscribing the first and unsubscribing after the last. */
  private useChannel(ch: string, delta: 1 | -1): void {
    const sub = this.shardSubs.get(ch);
    if (delta > 0) {
      if (sub) sub.users++;
      else {
        const ready = this.subscriber.ssubscribe(ch).catch((err: Error) => {
          this.log.warn({ channel: ch, err: err.message }, 'could not subscribe to a wake channel');
        });
        this.shardSubs.set(ch, { users: 1, ready });
      }
    } else if (sub && --sub.users === 0) {
      this.shardSubs.delete(ch);
      void sub.ready
        .then(() => (this.shardSubs.has(ch) ? undefined : this.subscriber.sunsubscribe(ch)))
        .catch(() => {});
    }
  }

  /**
   * Serves an existing stream from this node (a GET, a resume, the legacy SSE stream): registers the view, makes
   * this node the one woken for the stream (closing any other connection that held it), then reads what is there.
   * Returns undefined when the stream no longer exists.
   */
  async attach(
    opts: StreamViewOptions,
    sink: EventSink,
    start: { prime?: boolean } = {},
  ): Promise<StreamView | undefined> {
    const view = this.prepare(opts);
    view.claim = Number.POSITIVE_INFINITY; // claiming: no takeover ends it before its number is known
    try {
      // Listening before the claim names this node: no wake-up after the claim can be missed.
      await this.listening(opts.streamKey);
      view.claim = await claimStream(this.redis, opts.metaKey, this.channelFor(opts.streamKey), opts.streamKey);
      if (view.claim === 0) {
        view.close();
        return undefined;
      }
      if ((this.takenOver.get(opts.streamKey) ?? 0) > view.claim) {
        // A later claim was heard while this one was on its way: that connection serves the stream.
        view.start(sink, start);
        view.end();
        return view;
      }
      view.start(sink, start);
      await view.pull();
    } catch (err) {
      view.end();
      throw err;
    }
    return view;
  }

  /** After a reconnect: a view whose stream is gone, or behind what it delivered, cannot go on; the rest re-read. */
  private async verifyAll(): Promise<void> {
    const views = [...this.byStream.values()].flat();
    if (!views.length) return;
    try {
      // One read per stream, not a pipeline: the streams are in many slots (a cluster refuses a pipeline across them).
      const replies = await Promise.all(
        views.map((v) =>
          this.redis.hget(v.opts.metaKey, 'seq').then(
            (seq): [Error | null, string | null] => [null, seq],
            (err: Error): [Error | null, string | null] => [err, null],
          ),
        ),
      );
      for (const [i, v] of views.entries()) {
        const [err, seq] = replies[i] ?? [null, null];
        if (err) void v.pull();
        else if (seq === null || seq === undefined) {
          this.log.warn({ stream: v.opts.streamId }, 'stream gone after a Redis reconnect (data lost)');
          v.fail('CALL_STATE_LOST');
        } else if (Number(seq) < v.deliveredSeq) {
          this.log.warn({ stream: v.opts.streamId, seq, delivered: v.deliveredSeq }, 'stream rolled back under reader');
          v.fail('ROLLED_BACK');
        } else void v.pull();
      }
    } catch {
      for (const v of views) void v.pull();
    }
  }

  /** A view closed (called by the view itself). */
  detach(view: StreamView): void {
    const views = this.byStream.get(view.opts.streamKey);
    const i = views?.indexOf(view) ?? -1;
    if (!views || i < 0) return;
    views.splice(i, 1);
    if (this.shardedChannel) this.useChannel(this.shardedChannel(view.opts.streamKey), -1);
    if (views.length === 0) {
      this.byStream.delete(view.opts.streamKey);
      this.takenOver.delete(view.opts.streamKey);
    }
  }

  /** Ends every open stream (shutdown); clients holding event ids resume on another node. */
  closeAll(): void {
    clearInterval(this.keepaliveTimer);
    for (const views of [...this.byStream.values()]) for (const v of [...views]) v.end();
  }
}
