// Fixtures of the conformance suite's tasks scenarios (io.modelcontextprotocol/tasks, 2026-07-28; the same tools
// serve 2025-11-25 task-augmented calls). Part of the `conformance` pack.
import { z } from 'zod';
import { defineTool, type AnyTool } from '../define-tool.ts';
import { ToolProtocolError } from '../tool-errors.ts';

const NO_ARGS = z.object({});

/** Waits `ms`, or until the call is cancelled. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}

const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });

export const taskFixtures: AnyTool[] = [
  defineTool({
    name: 'greet',
    description: 'Greets someone at once (never a task)',
    inputSchema: z.object({ name: z.string() }),
    run: ({ name }) => `Hello, ${name}!`,
  }),
  defineTool({
    name: 'slow_compute',
    description: 'Works for `seconds` seconds; a task when the client supports tasks and it runs long enough',
    inputSchema: z.object({ seconds: z.number().min(0).max(3600), label: z.string().optional() }),
    annotations: { idempotentHint: true },
    execution: { taskSupport: 'optional' },
    async run({ seconds, label }, ctx) {
      await sleep(seconds * 1000, ctx.signal);
      return `computed ${label ?? 'result'} in ${seconds} s`;
    },
  }),
  defineTool({
    name: 'failing_job',
    description: 'Always a task; ends with a tool error (isError) after a second',
    inputSchema: NO_ARGS,
    execution: { taskSupport: 'required' },
    async run(_a, ctx) {
      await sleep(1000, ctx.signal);
      return { isError: true, ...text('failing_job failed: the job could not be completed') };
    },
  }),
  defineTool({
    name: 'protocol_error_job',
    description: 'A task that fails with a JSON-RPC error',
    inputSchema: NO_ARGS,
    execution: { taskSupport: 'optional' },
    async run(_a, ctx) {
      await ctx.runAsTask();
      await sleep(200, ctx.signal);
      throw new ToolProtocolError('the upstream service refused the job');
    },
  }),
  defineTool({
    name: 'confirm_delete',
    description: 'A task that asks the user to confirm before deleting a file',
    inputSchema: z.object({ filename: z.string() }),
    execution: { taskSupport: 'optional' },
    async run({ filename }, ctx) {
      await ctx.runAsTask();
      const answer = await ctx.elicit(
        {
          message: `Delete ${filename}?`,
          requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean' } }, required: ['confirm'] },
        },
        { key: 'confirm' },
      );
      const yes = answer.action === 'accept' && answer.content?.confirm === true;
      return yes ? `Deleted ${filename}` : `Kept ${filename}`;
    },
  }),
  defineTool({
    name: 'multi_input',
    description: 'A task that asks two questions at once',
    inputSchema: NO_ARGS,
    execution: { taskSupport: 'optional' },
    async run(_a, ctx) {
      await ctx.runAsTask();
      const schema = {
        type: 'object' as const,
        properties: { name: { type: 'string' as const }, confirm: { type: 'boolean' as const } },
      };
      const { first, second } = await ctx.inputs({
        first: { method: 'elicitation/create', params: { message: 'First input?', requestedSchema: schema } },
        second: { method: 'elicitation/create', params: { message: 'Second input?', requestedSchema: schema } },
      });
      return `first=${String(first.content?.name)} second=${String(second.content?.name)}`;
    },
  }),
  defineTool({
    name: 'test_tool_with_task',
    description: 'Asks for a name (MRTR, before any task), then finishes as a task',
    inputSchema: NO_ARGS,
    execution: { taskSupport: 'required' },
    async run(_a, ctx) {
      const answer = await ctx.elicit(
        {
          message: 'What is your name?',
          requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
        },
        { key: 'user_name' },
      );
      return `Hello, ${String(answer.content?.name)}!`;
    },
  }),
];
