// tools/call on a worker: the arguments checked against a zod schema (refinements the front's JSON Schema cannot
// express, and defaults), the tool run, its result normalised and its structured output checked.
import { FleetError, eraOf, type CallJob } from '@mcp-fleet/shared';
import { z } from 'zod';
import { isZodSchema, type ToolResult } from '../define-tool.ts';
import type { HandlerContext } from '../handler-api.ts';
import type { Pack } from '../pack.ts';
import { protocolErrorOf } from './protocol-error.ts';

const toolError = (text: string): ToolResult => ({ isError: true, content: [{ type: 'text', text }] });

export async function callTool(job: CallJob, pack: Pack, ctx: HandlerContext): Promise<ToolResult> {
  const tool = pack.tools.find((t) => t.name === job.target);
  if (!tool) throw new FleetError('UNKNOWN_TOOL', { args: [job.target], era: eraOf(job.protocolVersion) });
  let args: unknown = job.params.arguments ?? {};
  if (isZodSchema(tool.inputSchema)) {
    const parsed = tool.inputSchema.safeParse(args);
    // Since 2025-11-25 (SEP-1303) bad arguments are a tool execution error the model can correct.
    if (!parsed.success) return toolError(`Invalid arguments for tool ${tool.name}: ${z.prettifyError(parsed.error)}`);
    args = parsed.data;
  }
  let out: ToolResult | string;
  try {
    out = await tool.run(args as Record<string, unknown>, ctx);
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    const protocolError = protocolErrorOf(err, job);
    if (protocolError) throw protocolError;
    // Errors from the tool are results the model can read, not protocol errors (spec, tools).
    return toolError(`Tool ${tool.name} failed: ${(err as Error)?.message ?? String(err)}`);
  }
  if (typeof out === 'string') return { content: [{ type: 'text', text: out }] };
  if (out.structuredContent !== undefined && !out.isError && isZodSchema(tool.outputSchema)) {
    const checked = tool.outputSchema.safeParse(out.structuredContent);
    if (!checked.success) {
      return toolError(
        `Tool ${tool.name} returned structuredContent that does not match its outputSchema: ${z.prettifyError(checked.error)}`,
      );
    }
  }
  if (out.structuredContent !== undefined && (!out.content || out.content.length === 0)) {
    // Structured output keeps a text fallback for clients that read only `content` (spec, tools).
    return { ...out, content: [{ type: 'text', text: JSON.stringify(out.structuredContent) }] };
  }
  return out;
}
