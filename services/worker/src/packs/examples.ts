// The example tools the dev stack serves: small, but each shows one part of the tool-author API.
import { LOG_LEVELS } from '@mcp-fleet/shared';
import { defineTool, type AnyTool } from '../define-tool.ts';

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

export const echo = defineTool<{ text: string }>({
  name: 'echo',
  title: 'Echo',
  description: 'Returns the text it is given.',
  inputSchema: { type: 'object', properties: { text: { type: 'string', description: 'text to return' } }, required: ['text'] },
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  run: ({ text }) => ({ content: [{ type: 'text', text }] }),
});

export const count = defineTool<{ to: number; intervalMs?: number }>({
  name: 'count',
  title: 'Count',
  description: 'Counts from 1 to `to`, reporting progress every `intervalMs` (default 100); honours cancellation.',
  inputSchema: {
    type: 'object',
    properties: {
      to: { type: 'integer', minimum: 1, maximum: 100000 },
      intervalMs: { type: 'integer', minimum: 0, maximum: 60000, default: 100 },
    },
    required: ['to'],
  },
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  async run({ to, intervalMs = 100 }, ctx) {
    for (let i = 1; i <= to; i++) {
      await sleep(intervalMs, ctx.signal);
      await ctx.progress(i, to, `${i}/${to}`);
    }
    return `counted to ${to}`;
  },
});

export const fail = defineTool<{ message: string }>({
  name: 'fail',
  title: 'Fail',
  description: 'Returns a tool error (isError) carrying the given message.',
  inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  run: ({ message }) => ({ isError: true, content: [{ type: 'text', text: message }] }),
});

export const logLevels = defineTool<Record<string, never>>({
  name: 'log_levels',
  title: 'Log at every level',
  description: 'Logs one message at each level, debug to emergency; the session level (logging/setLevel) filters them.',
  inputSchema: { type: 'object', properties: {} },
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  async run(_args, ctx) {
    for (const level of LOG_LEVELS) await ctx.log(level, `a ${level} message`, 'log_levels');
    return `logged ${LOG_LEVELS.length} messages`;
  },
});

export const tools: AnyTool[] = [echo, count, fail, logLevels];
