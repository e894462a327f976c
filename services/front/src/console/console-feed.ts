// The console's live feed (GET /console/events): while a node has at least one viewer it reads the fleet from Redis
// every CONSOLE_REFRESH_MS — one read for all its viewers, none without — renders each section and sends the
// sections that changed as SSE events (`event: section`, data `{id, html}`). Calls that left the in-flight list
// since the last read are looked up once on their stream, so their result shows under "recently finished" on every
// node, whichever node the call went through. A viewer whose socket is full is skipped until it drains.
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { FleetReader, Snapshot, StreamRef } from './fleet-snapshot.ts';
import { SECTIONS, renderSection, type FinishedCall, type Section } from './render.ts';

const FINISHED_KEPT = 20;
const KEEPALIVE_MS = 15_000;

interface Viewer {
  res: ServerResponse;
  blocked: boolean;
}

export class ConsoleFeed {
  private readonly viewers = new Set<Viewer>();
  private readonly html = new Map<Section, string>();
  private latest?: Snapshot;
  /** the streams of the calls in `latest` */
  private streams = new Map<string, StreamRef>();
  private finished: FinishedCall[] = [];
  private timer?: NodeJS.Timeout;
  private keepalive?: NodeJS.Timeout;
  private reading = false;

  constructor(
    private readonly reader: FleetReader,
    private readonly refreshMs: number,
    private readonly log: Logger,
  ) {}

  get finishedCalls(): FinishedCall[] {
    return this.finished;
  }

  /** A snapshot for a page: the feed's own when it is fresh, else one read now. */
  async snapshot(): Promise<Snapshot> {
    if (this.latest && Date.now() - this.latest.at < this.refreshMs) return this.latest;
    return (await this.reader.read()).snapshot;
  }

  add(res: ServerResponse): void {
    const v: Viewer = { res, blocked: false };
    this.viewers.add(v);
    res.on('close', () => {
      this.viewers.delete(v);
      if (this.viewers.size === 0) this.idle();
    });
    res.on('drain', () => {
      v.blocked = false;
      this.sendAll(v);
    });
    this.sendAll(v);
    if (!this.timer) {
      this.timer = setInterval(() => void this.tick(), this.refreshMs);
      this.keepalive = setInterval(() => {
        for (const x of this.viewers) if (!x.blocked) x.res.write(': keep-alive\n\n');
      }, KEEPALIVE_MS);
      void this.tick();
    }
  }

  /** Ends every viewer's stream (server shutdown): EventSource reconnects, to another node behind a balancer. */
  closeAll(): void {
    for (const v of this.viewers) v.res.end();
    this.viewers.clear();
    this.idle();
  }

  private idle(): void {
    // Nobody watches: what ends from now on is not "recently finished" for the next viewer.
    this.latest = undefined;
    this.streams = new Map();
    clearInterval(this.timer);
    clearInterval(this.keepalive);
    this.timer = undefined;
    this.keepalive = undefined;
  }

  private async tick(): Promise<void> {
    if (this.reading) return; // Redis is slow: skip a beat rather than pile reads up
    this.reading = true;
    try {
      const { snapshot: snap, streams } = await this.reader.read();
      await this.noteFinished(snap, this.streams);
      this.latest = snap;
      this.streams = streams;
      for (const name of SECTIONS) {
        const html = renderSection(name, snap, this.finished);
        if (this.html.get(name) === html) continue;
        this.html.set(name, html);
        this.broadcast(name, html);
      }
    } catch (err) {
      this.log.warn({ err }, 'console: reading the fleet failed');
    } finally {
      this.reading = false;
    }
  }

  private async noteFinished(snap: Snapshot, before: Map<string, StreamRef>): Promise<void> {
    const still = new Set(snap.calls.map((c) => c.jobId));
    const gone = [...before.keys()].filter((id) => !still.has(id));
    const previous = this.latest?.calls ?? [];
    for (const jobId of gone.slice(0, FINISHED_KEPT)) {
      const call = previous.find((c) => c.jobId === jobId);
      if (!call) continue;
      const msg = (await this.reader.finalMessage(jobId, before)) as
        | { result?: { content?: { text?: string }[]; isError?: boolean }; error?: { message?: string } }
        | undefined;
      const text = msg?.result?.content?.map((c) => c.text ?? '').join('') ?? '';
      this.finished.unshift({
        jobId,
        target: call.target,
        principal: call.principal,
        endedAt: snap.at,
        summary: msg?.error
          ? `error: ${msg.error.message}`
          : msg?.result
            ? text
            : 'ended without a response (cancelled)',
        isError: Boolean(msg?.error || msg?.result?.isError),
      });
    }
    this.finished = this.finished.slice(0, FINISHED_KEPT);
  }

  private frame(name: Section, html: string): string {
    return `event: section\ndata: ${JSON.stringify({ id: name, html })}\n\n`;
  }

  private broadcast(name: Section, html: string): void {
    const frame = this.frame(name, html);
    for (const v of this.viewers) {
      if (!v.blocked && !v.res.write(frame)) v.blocked = true;
    }
  }

  private sendAll(v: Viewer): void {
    for (const [name, html] of this.html) {
      if (!v.res.write(this.frame(name, html))) {
        v.blocked = true;
        return;
      }
    }
  }
}
