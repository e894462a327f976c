// The tool pack of a bridged stdio server: its tools, resources, templates and prompts as the child lists them, each
// handler sending the call on to a child of the pool. Tools keep the child's JSON Schemas and annotations (an
// `idempotentHint` tool is sent again when its child exits mid-call, and re-run when its worker dies).
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Prompt, Resource, ResourceTemplate, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { definePrompt, type PromptDefinition } from '../define-prompt.ts';
import { defineResource, defineResourceTemplate, type ResourceTemplateDefinition } from '../define-resource.ts';
import { defineTool, type AnyTool, type JsonObjectSchema } from '../define-tool.ts';
import type { ToolPack } from '../pack.ts';
import { toDraft2020 } from './json-schema.ts';
import type { ChildPool } from './pool.ts';

/** The SDK's per-request timeout would end long calls: a call ends when it answers, is cancelled, or its child exits. */
const NO_TIMEOUT = { timeout: 2_147_483_647 };

export interface BridgedLists {
  tools: Tool[];
  resources: Resource[];
  resourceTemplates: ResourceTemplate[];
  prompts: Prompt[];
}

/** Everything the child lists, every page. */
export async function listChild(client: Client): Promise<BridgedLists> {
  const caps = client.getServerCapabilities() ?? {};
  const all = async <T>(page: (cursor?: string) => Promise<{ items: T[]; nextCursor?: string }>) => {
    const out: T[] = [];
    let cursor: string | undefined;
    do {
      const r = await page(cursor);
      out.push(...r.items);
      cursor = r.nextCursor;
    } while (cursor);
    return out;
  };
  const params = (cursor?: string) => (cursor ? { cursor } : undefined);
  return {
    tools: caps.tools
      ? await all(async (c) => {
          const r = await client.listTools(params(c));
          return { items: r.tools, nextCursor: r.nextCursor };
        })
      : [],
    resources: caps.resources
      ? await all(async (c) => {
          const r = await client.listResources(params(c));
          return { items: r.resources, nextCursor: r.nextCursor };
        })
      : [],
    resourceTemplates: caps.resources
      ? await all(async (c) => {
          const r = await client.listResourceTemplates(params(c));
          return { items: r.resourceTemplates, nextCursor: r.nextCursor };
        })
      : [],
    prompts: caps.prompts
      ? await all(async (c) => {
          const r = await client.listPrompts(params(c));
          return { items: r.prompts, nextCursor: r.nextCursor };
        })
      : [],
  };
}

export interface BridgeOptions {
  pool: ChildPool;
  /** runs at most, in all, of idempotent work whose child exits mid-call (JOB_MAX_STALLS + 1) */
  maxRuns: number;
  /** the child answers completion/complete */
  completions: boolean;
  log: Logger;
}

/** Tools already reported as left out (the lists are read again on every list_changed). */
const leftOut = new Set<string>();

/** Fills `pack` (the worker holds it: its arrays are read again on ctx.catalogChanged) from the child's lists. */
export function fillPack(pack: Required<ToolPack>, lists: BridgedLists, opts: BridgeOptions): void {
  const { pool, maxRuns } = opts;
  const tools: AnyTool[] = [];
  for (const t of lists.tools) {
    if (t.execution?.taskSupport === 'required') {
      // The bridge sends plain calls; a tool the child runs only as a task is not offered.
      if (!leftOut.has(t.name)) opts.log.warn({ tool: t.name }, 'bridged tool left out: it runs only as a task');
      leftOut.add(t.name);
      continue;
    }
    const idempotent = t.annotations?.idempotentHint === true;
    tools.push(
      defineTool({
        name: t.name,
        ...(t.title !== undefined && { title: t.title }),
        description: t.description ?? '',
        inputSchema: toDraft2020(t.inputSchema) as JsonObjectSchema,
        ...(t.outputSchema && { outputSchema: toDraft2020(t.outputSchema) as JsonObjectSchema }),
        ...(t.annotations && { annotations: t.annotations }),
        ...(t.icons && { icons: t.icons }),
        // The child's call stays open while the client answers it: it cannot park and run again.
        questions: 'wait',
        run: (args, ctx) =>
          pool.run(ctx, { what: `tool ${t.name}`, idempotent, maxRuns, signal: ctx.signal }, (client, relay) =>
            client.callTool({ name: t.name, arguments: args }, undefined, {
              ...NO_TIMEOUT,
              signal: ctx.signal,
              onprogress: (p) => relay(ctx.progress(p.progress, p.total, p.message)),
            }),
          ) as ReturnType<AnyTool['run']>,
      }),
    );
  }
  const runRead = (uri: string, ctx: Parameters<ResourceTemplateDefinition['read']>[2]) =>
    pool
      .run(ctx, { what: `resource ${uri}`, idempotent: true, maxRuns, signal: ctx.signal }, (client) =>
        client.readResource({ uri }, { ...NO_TIMEOUT, signal: ctx.signal }),
      )
      .then((r) => r.contents);
  const completer =
    (ref: { type: 'ref/prompt'; name: string } | { type: 'ref/resource'; uri: string }) =>
    async (value: string, context: Record<string, string>, name: string) => {
      const r = await pool.run(undefined, { what: 'completion/complete', idempotent: true, maxRuns }, (client) =>
        client.complete({ ref, argument: { name, value }, context: { arguments: context } }, NO_TIMEOUT),
      );
      return r.completion.values;
    };
  const completions = (names: string[], complete: ReturnType<typeof completer>) =>
    opts.completions && names.length
      ? Object.fromEntries(names.map((n) => [n, (v: string, c: Record<string, string>) => complete(v, c, n)]))
      : undefined;

  pack.tools = tools;
  pack.resources = lists.resources.map(({ uri, name, title, description, mimeType, annotations, icons }) =>
    defineResource({
      uri,
      name,
      ...defined({ title, description, mimeType, annotations, icons }),
      read: (u, ctx) => runRead(u, ctx),
    }),
  );
  pack.resourceTemplates = lists.resourceTemplates.map(
    ({ uriTemplate, name, title, description, mimeType, annotations, icons }) =>
      defineResourceTemplate({
        uriTemplate,
        name,
        ...defined({ title, description, mimeType, annotations, icons }),
        read: (u, _vars, ctx) => runRead(u, ctx),
        complete: completions(templateVariables(uriTemplate), completer({ type: 'ref/resource', uri: uriTemplate })),
      }),
  );
  pack.prompts = lists.prompts.map(
    (p): PromptDefinition =>
      definePrompt({
        name: p.name,
        description: p.description ?? '',
        ...defined({ title: p.title, icons: p.icons }),
        ...(p.arguments && { arguments: p.arguments }),
        get: (args, ctx) =>
          pool.run(ctx, { what: `prompt ${p.name}`, idempotent: true, maxRuns, signal: ctx.signal }, (client) =>
            client.getPrompt(
              { name: p.name, arguments: args as Record<string, string> },
              { ...NO_TIMEOUT, signal: ctx.signal },
            ),
          ),
        complete: completions(
          (p.arguments ?? []).map((a) => a.name),
          completer({ type: 'ref/prompt', name: p.name }),
        ),
      }) as PromptDefinition,
  );
}

/** The variable names of an RFC 6570 template: `{id}`, `{+path}`, `{?a,b*}` → id, path, a, b. */
export function templateVariables(uriTemplate: string): string[] {
  const names: string[] = [];
  for (const m of uriTemplate.matchAll(/\{([^}]+)\}/g)) {
    for (const part of m[1]!.replace(/^[+#./;?&]/, '').split(',')) {
      const name = part.replace(/(\*|:\d+)$/, '').trim();
      if (name) names.push(name);
    }
  }
  return names;
}

/** The fields that are set (the catalog publishes every field it is given). */
function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
