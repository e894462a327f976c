// prompts/get on a worker.
import { FleetError, eraOf, type CallJob } from '@mcp-fleet/shared';
import type { GetPromptResult } from '@modelcontextprotocol/sdk/types.js';
import type { HandlerContext } from '../handler-api.ts';
import type { Pack } from '../pack.ts';

export async function getPrompt(job: CallJob, pack: Pack, ctx: HandlerContext): Promise<GetPromptResult> {
  const era = eraOf(job.protocolVersion);
  const prompt = pack.prompts.find((p) => p.name === job.target);
  if (!prompt) throw new FleetError('UNKNOWN_PROMPT', { args: [job.target], era });
  const args = (job.params.arguments ?? {}) as Record<string, string>;
  // The front checked this too; a worker whose pack is newer than the catalog the front read checks again.
  const missing = (prompt.arguments ?? []).filter((a) => a.required && args[a.name] === undefined).map((a) => a.name);
  if (missing.length)
    throw new FleetError('PROMPT_ARGUMENTS_MISSING', { args: [prompt.name, missing.join(', ')], era });
  return prompt.get(args, ctx);
}
