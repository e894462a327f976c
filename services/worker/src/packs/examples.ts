// The example tools the dev stack serves: small, but each shows one part of the tool-author API.
import { LOG_LEVELS } from '@mcp-fleet/shared';
import { z } from 'zod';
import { defineTool, type AnyTool } from '../define-tool.ts';
import { defineResource, defineResourceTemplate } from '../define-resource.ts';
import { definePrompt } from '../define-prompt.ts';

/** Waits `ms`, or one turn of the event loop for 0 (setTimeout(0) would wait at least 1 ms); abortable. */
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const done = () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    const t = ms > 0 ? setTimeout(done, ms) : setImmediate(done);
    const onAbort = () => {
      if (ms > 0) clearTimeout(t as NodeJS.Timeout);
      else clearImmediate(t as NodeJS.Immediate);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

const readOnly = { readOnlyHint: true, idempotentHint: true, openWorldHint: false } as const;

export const echo = defineTool({
  name: 'echo',
  title: 'Echo',
  description: 'Returns the text it is given.',
  inputSchema: z.object({ text: z.string().describe('text to return') }),
  annotations: readOnly,
  run: ({ text }) => ({ content: [{ type: 'text', text }] }),
});

export const count = defineTool({
  name: 'count',
  title: 'Count',
  description: 'Counts from 1 to `to`, reporting progress every `intervalMs` (default 100); honours cancellation.',
  inputSchema: z.object({
    to: z.number().int().min(1).max(100_000),
    intervalMs: z.number().int().min(0).max(60_000).default(100),
  }),
  annotations: readOnly,
  async run({ to, intervalMs }, ctx) {
    for (let i = 1; i <= to; i++) {
      await sleep(intervalMs, ctx.signal);
      await ctx.progress(i, to, `${i}/${to}`);
    }
    return `counted to ${to}`;
  },
});

export const fail = defineTool({
  name: 'fail',
  title: 'Fail',
  description: 'Returns a tool error (isError) carrying the given message.',
  inputSchema: z.object({ message: z.string() }),
  annotations: readOnly,
  run: ({ message }) => ({ isError: true, content: [{ type: 'text', text: message }] }),
});

export const logLevels = defineTool({
  name: 'log_levels',
  title: 'Log at every level',
  description: 'Logs one message at each level, debug to emergency; the session level (logging/setLevel) filters them.',
  inputSchema: z.object({}),
  annotations: readOnly,
  async run(_args, ctx) {
    for (const level of LOG_LEVELS) await ctx.log(level, `a ${level} message`, 'log_levels');
    return `logged ${LOG_LEVELS.length} messages`;
  },
});

export const add = defineTool({
  name: 'add',
  title: 'Add',
  description: 'Adds two numbers; returns structured output (with a text fallback).',
  inputSchema: z.object({ a: z.number(), b: z.number() }),
  outputSchema: z.object({ sum: z.number() }),
  annotations: readOnly,
  icons: [
    {
      src: 'data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4=',
      mimeType: 'image/svg+xml',
    },
  ],
  run: ({ a, b }) => ({ content: [], structuredContent: { sum: a + b } }),
});

export const askUser = defineTool({
  name: 'ask_user',
  title: 'Ask the user',
  description: 'Asks the user a question through the client (elicitation) and returns the answer.',
  inputSchema: z.object({ question: z.string() }),
  async run({ question }, ctx) {
    const answer = await ctx.elicit({
      message: question,
      requestedSchema: {
        type: 'object',
        properties: { answer: { type: 'string', description: 'your answer' } },
        required: ['answer'],
      },
    });
    return answer.action === 'accept'
      ? `the user answered: ${String(answer.content?.answer)}`
      : `the user chose to ${answer.action}`;
  },
});

export const askModel = defineTool({
  name: 'ask_model',
  title: "Ask the client's model",
  description: "Sends a prompt to the client's model (sampling) and returns its reply.",
  inputSchema: z.object({ prompt: z.string() }),
  async run({ prompt }, ctx) {
    const reply = await ctx.sample({
      messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
      maxTokens: 200,
    });
    return `the model said: ${reply.content.type === 'text' ? reply.content.text : JSON.stringify(reply.content)}`;
  },
});

export const listRoots = defineTool({
  name: 'list_roots',
  title: 'List roots',
  description: "Lists the client's roots (roots/list).",
  inputSchema: z.object({}),
  async run(_args, ctx) {
    const { roots } = await ctx.listRoots();
    return roots.map((r) => r.uri).join('\n') || 'no roots';
  },
});

export const whoami = defineTool({
  name: 'whoami',
  title: 'Who am I',
  description:
    'Returns what the tool sees of its caller: principal (subject, tenant, scopes, claims), session, protocol ' +
    'version and the allow-listed request headers.',
  inputSchema: z.object({}),
  outputSchema: z.object({
    session: z.string(),
    protocolVersion: z.string(),
    headers: z.record(z.string(), z.string()),
    principal: z.object({
      subject: z.string(),
      tenant: z.string().optional(),
      scopes: z.array(z.string()),
      claims: z.record(z.string(), z.unknown()),
      via: z.string(),
    }),
  }),
  annotations: readOnly,
  run: (_args, ctx) => {
    const { subject, tenant, scopes, claims, via } = ctx.principal;
    const who = {
      session: ctx.session.id,
      protocolVersion: ctx.session.protocolVersion,
      headers: ctx.headers,
      principal: { subject, ...(tenant !== undefined && { tenant }), scopes, claims, via },
    };
    return { content: [{ type: 'text', text: JSON.stringify(who) }], structuredContent: who };
  },
});

/** One line of the batch report: the same for the same item, so a retried run writes the same report. */
function reportLine(i: number): string {
  let h = 2166136261;
  for (const c of String(i)) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return `item ${i}: checksum ${h.toString(16).padStart(8, '0')}`;
}

export const batchReport = defineTool({
  name: 'batch_report',
  title: 'Batch report',
  description:
    'Works through `items` items, `itemMs` ms each (for minutes if asked), reporting progress and each line as it ' +
    'is done (partial results); runs as a task where the client supports tasks, and is safe to retry.',
  inputSchema: z.object({
    items: z.number().int().min(1).max(100_000),
    itemMs: z.number().int().min(0).max(600_000).default(100),
  }),
  outputSchema: z.object({ items: z.number(), lines: z.array(z.string()) }),
  annotations: readOnly,
  execution: { taskSupport: 'optional' },
  async run({ items, itemMs }, ctx) {
    // A long batch job: a task at once (2026-07-28 clients that support tasks; 2025-11-25 clients ask for one).
    await ctx.runAsTask();
    const lines: string[] = [];
    for (let i = 1; i <= items; i++) {
      await sleep(itemMs, ctx.signal);
      const line = reportLine(i);
      lines.push(line);
      await ctx.partial(`${line}\n`);
      await ctx.progress(i, items, `item ${i} of ${items}`);
    }
    return { content: [{ type: 'text', text: lines.join('\n') }], structuredContent: { items, lines } };
  },
});

export const tools: AnyTool[] = [echo, batchReport, count, fail, logLevels, add, askUser, askModel, listRoots, whoami];

export const resources = [
  defineResource({
    uri: 'example://pixel.png',
    name: 'pixel',
    description: 'A 1×1 PNG (a binary resource).',
    mimeType: 'image/png',
    read: (uri) => ({
      uri,
      blob: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
    }),
  }),
];

const NAMES = ['Ada', 'Alan', 'Barbara', 'Grace', 'Katherine', 'Linus', 'Margaret'];

export const resourceTemplates = [
  defineResourceTemplate({
    uriTemplate: 'greeting://{name}',
    name: 'greeting',
    description: 'A greeting for anyone.',
    mimeType: 'text/plain',
    read: (uri, { name }) => ({ uri, text: `Hello, ${name}!` }),
    complete: { name: (value) => NAMES.filter((n) => n.toLowerCase().startsWith(value.toLowerCase())) },
  }),
];

export const prompts = [
  definePrompt({
    name: 'summarize',
    title: 'Summarize',
    description: 'Asks for a summary of a text in a given style.',
    arguments: [
      { name: 'text', description: 'what to summarize', required: true },
      { name: 'style', description: 'brief, detailed or bullet points' },
    ],
    get: ({ text, style = 'brief' }) => ({
      messages: [
        { role: 'user', content: { type: 'text', text: `Summarize this (${style}):` } },
        {
          role: 'user',
          content: { type: 'resource', resource: { uri: 'example://input', mimeType: 'text/plain', text } },
        },
      ],
    }),
    complete: { style: (value) => ['brief', 'detailed', 'bullet points'].filter((s) => s.startsWith(value)) },
  }),
];
