// tools/call on a worker.
import { isModernVersion, type CallJob } from '@mcp-fleet/shared';
import { MissingCapabilityError } from '../server-requests.ts';
import type { HandlerContext, ToolResult } from '../define-tool.ts';
import type { Pack } from '../pack.ts';
import { HandlerError, MISSING_CLIENT_CAPABILITY } from './handler-error.ts';

export async function callTool(job: CallJob, pack: Pack, ctx: HandlerContext): Promise<ToolResult> {
  const tool = pack.tools.find((t) => t.name === job.target);
  if (!tool) throw new HandlerError(-32602, `Unknown tool: ${job.target}`);
  try {
    const out = await tool.run((job.params.arguments ?? {}) as Record<string, unknown>, ctx);
    if (typeof out === 'string') return { content: [{ type: 'text', text: out }] };
    if (out.structuredContent !== undefined && (!out.content || out.content.length === 0)) {
      // Structured output keeps a text fallback for clients that read only `content` (spec, tools).
      return { ...out, content: [{ type: 'text', text: JSON.stringify(out.structuredContent) }] };
    }
    return out;
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    if (err instanceof MissingCapabilityError && isModernVersion(job.protocolVersion)) {
      // 2026-07-28 has an error for this (MissingRequiredClientCapabilityError); earlier versions get a tool error.
      throw new HandlerError(MISSING_CLIENT_CAPABILITY, err.message, { requiredCapabilities: err.capability });
    }
    // Errors from the tool are results the model can read, not protocol errors (spec, tools).
    return {
      isError: true,
      content: [{ type: 'text', text: `Tool ${tool.name} failed: ${(err as Error)?.message ?? String(err)}` }],
    };
  }
}
