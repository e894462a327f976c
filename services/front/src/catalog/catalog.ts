// The catalog as the worker fleet publishes it (docs/architecture.md, "The catalog"): tools, resources, resource templates and
// prompts, cached in memory and rebuilt from Redis whenever a worker announces a change or a worker's heartbeat
// stops. Arguments are validated here, before a job is enqueued, so a bad call never costs a worker.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { FleetError, templateMatcher, type FleetKeys } from '@mcp-fleet/shared';

export type Item = Record<string, unknown> & { name: string };
export interface CatalogTool extends Item {
  inputSchema: Record<string, unknown>;
}
export interface CatalogResource extends Item {
  uri: string;
}
export interface CatalogTemplate extends Item {
  uriTemplate: string;
  completable?: string[];
}
export interface CatalogPrompt extends Item {
  arguments?: { name: string; required?: boolean }[];
  completable?: string[];
}

/** What one worker publishes under its id in the catalog hash. */
export interface WorkerCatalog {
  workerId: string;
  queue: string;
  seenAt?: number;
  tools?: CatalogTool[];
  resources?: CatalogResource[];
  resourceTemplates?: CatalogTemplate[];
  prompts?: CatalogPrompt[];
  /** limits front nodes enforce for some of its tools */
  toolLimits?: Record<string, ToolLimits>;
}

/** What a front node enforces for a tool before enqueueing a call (tool options: `limits`). */
export interface ToolLimits {
  maxQueued?: number;
  priority?: number;
}

export const LIST_KINDS = ['tools', 'resources', 'prompts'] as const;
export type ListKind = (typeof LIST_KINDS)[number];

/** A change of the lists, as one node saw it: `revision` is the catalog's write counter when it was read. */
export interface CatalogChange {
  kinds: ListKind[];
  versions: Record<ListKind, string>;
  previous: Record<ListKind, string>;
  revision: string;
}

/** An entry silent for this many heartbeats is a dead worker's and is deleted (3 already take it out of service). */
const DEAD_AFTER_HEARTBEATS = 30;

interface Entry<T> {
  item: T;
  queue: string;
}

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  a: Ajv2020,
) => void;

class Section<T extends Item> {
  readonly byKey = new Map<string, Entry<T>>();
  sorted: T[] = [];
  constructor(readonly keyOf: (item: T) => string) {}
  add(item: T, queue: string): void {
    if (!this.byKey.has(this.keyOf(item))) this.byKey.set(this.keyOf(item), { item, queue });
  }
  seal(): void {
    this.sorted = [...this.byKey.values()]
      .map((e) => e.item)
      .sort((a, b) => this.keyOf(a).localeCompare(this.keyOf(b)));
  }
  version(): string {
    return createHash('sha256').update(JSON.stringify(this.sorted)).digest('base64url').slice(0, 16);
  }
}

export class Catalog {
  private tools = new Section<CatalogTool>((t) => t.name);
  private limits = new Map<string, ToolLimits>();
  private resources = new Section<CatalogResource>((r) => r.uri);
  private templates = new Section<CatalogTemplate>((t) => t.uriTemplate);
  private prompts = new Section<CatalogPrompt>((p) => p.name);
  private matchers: { match: (uri: string) => Record<string, string> | undefined; entry: Entry<CatalogTemplate> }[] =
    [];
  private versions: Record<ListKind, string> = { tools: '', resources: '', prompts: '' };
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly ajv = new Ajv2020({ allErrors: true, strict: false });
  private timer?: NodeJS.Timeout;
  /** workers whose entry is fresh; 0 until the first load, and when Redis lost the catalog until workers republish */
  liveWorkers = 0;
  /** called with the list kinds whose content changed (not on the first load) */
  onChange?: (change: CatalogChange) => void;

  constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly keys: FleetKeys,
    private readonly log: Logger,
    private readonly heartbeatMs: number,
  ) {
    addFormats(this.ajv);
    subscriber.on('message', (channel: string) => {
      if (channel === keys.catalogChannel()) void this.reload();
    });
    subscriber.on('ready', () => void this.reload());
  }

  async start(): Promise<void> {
    await this.subscriber.subscribe(this.keys.catalogChannel());
    await this.reload();
    // Periodic reloads notice workers whose heartbeat stopped (killed without withdrawing their entry).
    this.timer = setInterval(() => void this.reload(), this.heartbeatMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  get catalogVersion(): string {
    return `${this.versions.tools}.${this.versions.resources}.${this.versions.prompts}`;
  }

  async reload(): Promise<void> {
    let raw: Record<string, string>;
    let revision: string;
    try {
      // One MULTI: the revision names the catalog state read with it.
      const replies =
        (await this.redis.multi().hgetall(this.keys.catalog()).get(this.keys.catalogRevision()).exec()) ?? [];
      for (const [err] of replies) if (err) throw err;
      raw = (replies[0]?.[1] ?? {}) as Record<string, string>;
      revision = String(replies[1]?.[1] ?? '0');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'catalog reload failed; keeping the last one');
      return;
    }
    const tools = new Section<CatalogTool>((t) => t.name);
    const resources = new Section<CatalogResource>((r) => r.uri);
    const templates = new Section<CatalogTemplate>((t) => t.uriTemplate);
    const prompts = new Section<CatalogPrompt>((p) => p.name);
    const staleBefore = Date.now() - 3 * this.heartbeatMs;
    // A worker killed without withdrawing its entry leaves it behind; long after it went silent, it is removed.
    const deadBefore = Date.now() - DEAD_AFTER_HEARTBEATS * this.heartbeatMs;
    const dead: string[] = [];
    const limits = new Map<string, ToolLimits>();
    let live = 0;
    for (const workerId of Object.keys(raw).sort()) {
      let wc: WorkerCatalog;
      try {
        wc = JSON.parse(raw[workerId]!) as WorkerCatalog;
      } catch {
        dead.push(workerId);
        continue;
      }
      if (wc.seenAt !== undefined && wc.seenAt < staleBefore) {
        if (wc.seenAt < deadBefore) dead.push(workerId);
        continue;
      }
      live++;
      for (const t of wc.tools ?? []) tools.add(t, wc.queue);
      for (const [name, l] of Object.entries(wc.toolLimits ?? {})) if (!limits.has(name)) limits.set(name, l);
      for (const r of wc.resources ?? []) resources.add(r, wc.queue);
      for (const t of wc.resourceTemplates ?? []) templates.add(t, wc.queue);
      for (const p of wc.prompts ?? []) prompts.add(p, wc.queue);
    }
    for (const s of [tools, resources, templates, prompts] as Section<Item>[]) s.seal();
    const versions: Record<ListKind, string> = {
      tools: tools.version(),
      resources: createHash('sha256')
        .update(resources.version() + templates.version())
        .digest('base64url')
        .slice(0, 16),
      prompts: prompts.version(),
    };
    const changed = LIST_KINDS.filter((k) => versions[k] !== this.versions[k]);
    if (changed.includes('tools')) this.validators.clear();
    const first = this.versions.tools === '';
    const previous = this.versions;
    this.tools = tools;
    this.limits = limits;
    this.resources = resources;
    this.templates = templates;
    this.prompts = prompts;
    this.matchers = [...templates.byKey.values()].map((entry) => ({
      match: templateMatcher(entry.item.uriTemplate),
      entry,
    }));
    this.versions = versions;
    this.liveWorkers = live;
    if (dead.length) this.redis.hdel(this.keys.catalog(), ...dead).catch(() => {});
    if (changed.length) {
      this.log.info(
        { tools: tools.sorted.length, resources: resources.sorted.length, prompts: prompts.sorted.length, changed },
        'catalog loaded',
      );
      if (!first) this.onChange?.({ kinds: changed, versions, previous, revision });
    }
  }

  tool(name: string): Entry<CatalogTool> | undefined {
    return this.tools.byKey.get(name);
  }
  toolLimits(name: string): ToolLimits | undefined {
    return this.limits.get(name);
  }
  prompt(name: string): Entry<CatalogPrompt> | undefined {
    return this.prompts.byKey.get(name);
  }
  template(uriTemplate: string): Entry<CatalogTemplate> | undefined {
    return this.templates.byKey.get(uriTemplate);
  }
  /** The queue that serves a URI: a static resource, else the first template that matches. */
  resourceQueue(uri: string): string | undefined {
    const r = this.resources.byKey.get(uri);
    if (r) return r.queue;
    return this.matchers.find((m) => m.match(uri) !== undefined)?.entry.queue;
  }

  /** Returns a description of what is wrong with the arguments, or undefined when they are valid. */
  validationError(name: string, args: unknown): string | undefined {
    const e = this.tools.byKey.get(name);
    if (!e) return `unknown tool ${name}`;
    let validate = this.validators.get(name);
    if (!validate) {
      try {
        validate = this.ajv.compile(withoutDialect(e.item.inputSchema));
      } catch (err) {
        return `the tool's inputSchema cannot be compiled (${(err as Error).message}); ask the tool's author to fix it`;
      }
      this.validators.set(name, validate);
    }
    if (validate(args)) return undefined;
    return this.ajv.errorsText(validate.errors, { dataVar: 'arguments', separator: '; ' });
  }

  /** One page of a list. Cursors are opaque to clients but decodable by any node: base64url JSON offsets. */
  /** `visible` narrows the list to what the caller may use (its scopes); pages are counted in what it sees. */
  page(
    kind: 'tools' | 'resources' | 'resourceTemplates' | 'prompts',
    cursor: string | undefined,
    pageSize: number,
    visible: (item: Item) => boolean = () => true,
  ) {
    const all: Item[] = {
      tools: this.tools,
      resources: this.resources,
      resourceTemplates: this.templates,
      prompts: this.prompts,
    }[kind].sorted.filter(visible);
    let offset = 0;
    if (cursor !== undefined) {
      const decoded = decodeCursor(cursor);
      if (decoded === undefined) throw new FleetError('INVALID_CURSOR', { args: [JSON.stringify(cursor)] });
      offset = decoded;
    }
    const items = all.slice(offset, offset + pageSize).map(({ completable: _c, ...rest }) => rest);
    const next = offset + pageSize;
    return next < all.length ? { [kind]: items, nextCursor: encodeCursor(next) } : { [kind]: items };
  }
}

/** ajv's 2020 instance validates 2020-12 by default; an explicit 2020-12 `$schema` is the same dialect. */
function withoutDialect(schema: Record<string, unknown>): Record<string, unknown> {
  if (typeof schema.$schema === 'string' && schema.$schema.includes('2020-12')) {
    const { $schema: _s, ...rest } = schema;
    return rest;
  }
  return schema;
}

export function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

export function decodeCursor(cursor: string): number | undefined {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { o?: unknown };
    return Number.isSafeInteger(v.o) && (v.o as number) >= 0 ? (v.o as number) : undefined;
  } catch {
    return undefined;
  }
}
