// Publishes this worker's catalog to Redis, announces changes, and keeps it alive with a heartbeat. Front nodes drop
// the entry of a worker whose heartbeat stopped (killed without a clean shutdown); see docs/architecture.md.
import type { Redis } from 'ioredis';
import type { FleetKeys } from '@mcp-fleet/shared';
import { publishedSchema } from './define-tool.ts';
import type { Pack } from './pack.ts';

const omitFns = <T extends object>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => typeof v !== 'function' && v !== undefined));

export function catalogEntry(workerId: string, queue: string, pack: Pack) {
  return {
    workerId,
    queue,
    seenAt: Date.now(),
    tools: pack.tools.map(({ retry, limits, questions, ...t }) => ({
      ...omitFns(t),
      inputSchema: publishedSchema(t.inputSchema, 'input'),
      ...(t.outputSchema && { outputSchema: publishedSchema(t.outputSchema, 'output') }),
    })),
    // What front nodes enforce before a call is enqueued (the rest of a tool's limits the workers enforce).
    toolLimits: Object.fromEntries(
      pack.tools
        .filter((t) => t.limits?.maxQueued !== undefined || t.limits?.priority !== undefined)
        .map((t) => [t.name, { maxQueued: t.limits?.maxQueued, priority: t.limits?.priority }]),
    ),
    resources: pack.resources.map(omitFns),
    resourceTemplates: pack.resourceTemplates.map(({ complete, ...t }) => ({
      ...omitFns(t),
      completable: Object.keys(complete ?? {}),
    })),
    prompts: pack.prompts.map(({ complete, ...p }) => ({ ...omitFns(p), completable: Object.keys(complete ?? {}) })),
  };
}

export class CatalogPublisher {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly workerId: string,
    private readonly queue: string,
    private readonly pack: Pack,
    private readonly heartbeatMs: number,
  ) {}

  async start(): Promise<void> {
    await this.write(true);
    this.timer = setInterval(() => void this.write(false).catch(() => {}), this.heartbeatMs);
    this.timer.unref();
  }

  /** The pack changed at run time: publish it and tell the front nodes. */
  async changed(): Promise<void> {
    this.pack.refresh();
    await this.write(true);
  }

  private async write(announce: boolean): Promise<void> {
    const entry = JSON.stringify(catalogEntry(this.workerId, this.queue, this.pack));
    const m = this.redis.multi().hset(this.keys.catalog(), this.workerId, entry);
    if (announce) m.incr(this.keys.catalogRevision()).publish(this.keys.catalogChannel(), this.workerId);
    await m.exec();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.redis
      .multi()
      .hdel(this.keys.catalog(), this.workerId)
      .incr(this.keys.catalogRevision())
      .publish(this.keys.catalogChannel(), this.workerId)
      .exec();
  }
}
