// The tool catalog as workers publish it (DESIGN invariant 6), cached in memory and rebuilt from Redis whenever a
// worker announces a change. Arguments are validated here, before a job is enqueued (invariant 5).
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { FleetKeys } from '@mcp-fleet/shared';
import { RpcError, JSONRPC } from '../errors.ts';

export interface CatalogTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

/** What one worker publishes under its id in the catalog hash. */
export interface WorkerCatalog {
  workerId: string;
  queue: string;
  tools: CatalogTool[];
}

interface Entry {
  tool: CatalogTool;
  queue: string;
  validate?: ValidateFunction;
}

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv2020) => void;

export class Catalog {
  private entries = new Map<string, Entry>();
  private sorted: CatalogTool[] = [];
  private version = '';
  private readonly ajv = new Ajv2020({ allErrors: true, strict: false });

  constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly keys: FleetKeys,
    private readonly log: Logger,
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
  }

  get catalogVersion(): string {
    return this.version;
  }

  async reload(): Promise<void> {
    let raw: Record<string, string>;
    try {
      raw = await this.redis.hgetall(this.keys.catalog());
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'catalog reload failed; keeping the last one');
      return;
    }
    const next = new Map<string, Entry>();
    for (const workerId of Object.keys(raw).sort()) {
      let wc: WorkerCatalog;
      try {
        wc = JSON.parse(raw[workerId]!) as WorkerCatalog;
      } catch {
        continue;
      }
      for (const tool of wc.tools) {
        if (!next.has(tool.name)) next.set(tool.name, { tool, queue: wc.queue, validate: this.entries.get(tool.name)?.validate });
      }
    }
    const sorted = [...next.values()].map((e) => e.tool).sort((a, b) => a.name.localeCompare(b.name));
    const version = createHash('sha256').update(JSON.stringify(sorted)).digest('base64url').slice(0, 16);
    if (version !== this.version) {
      // Schemas may have changed: drop compiled validators.
      for (const e of next.values()) e.validate = undefined;
      this.log.info({ tools: sorted.length, version }, 'catalog loaded');
    }
    this.entries = next;
    this.sorted = sorted;
    this.version = version;
  }

  get(name: string): { tool: CatalogTool; queue: string } | undefined {
    return this.entries.get(name);
  }

  /** Returns a description of what is wrong with the arguments, or undefined when they are valid. */
  validationError(name: string, args: unknown): string | undefined {
    const e = this.entries.get(name);
    if (!e) return `unknown tool ${name}`;
    if (!e.validate) {
      try {
        e.validate = this.ajv.compile(e.tool.inputSchema);
      } catch (err) {
        return `the tool's inputSchema cannot be compiled (${(err as Error).message}); ask the tool's author to fix it`;
      }
    }
    if (e.validate(args)) return undefined;
    return this.ajv.errorsText(e.validate.errors, { dataVar: 'arguments', separator: '; ' });
  }

  /** One page of tools/list. Cursors are opaque to clients but decodable by any node: base64url JSON offsets. */
  page(cursor: string | undefined, pageSize: number): { tools: CatalogTool[]; nextCursor?: string } {
    let offset = 0;
    if (cursor !== undefined) {
      const decoded = decodeCursor(cursor);
      if (decoded === undefined) throw new RpcError(JSONRPC.INVALID_PARAMS, `Invalid cursor: ${JSON.stringify(cursor)}`);
      offset = decoded;
    }
    const tools = this.sorted.slice(offset, offset + pageSize);
    const next = offset + pageSize;
    return next < this.sorted.length ? { tools, nextCursor: encodeCursor(next) } : { tools };
  }
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
