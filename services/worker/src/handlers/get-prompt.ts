// prompts/get on a worker.
import type { CallJob } from '@mcp-fleet/shared';
import type { HandlerContext } from '../define-tool.ts';
import type { Pack } from '../pack.ts';
import { HandlerError } from './handler-error.ts';

export async function getPrompt(job: CallJob, pack: Pack, ctx: HandlerContext) {
  const prompt = pack.prompts.find((p) => p.name === job.target);
  if (!prompt) throw new HandlerError(-32602, `Unknown prompt: ${job.target}`);
  const args = (job.params.arguments ?? {}) as Record<string, string>;
  const missing = (prompt.arguments ?? []).filter((a) => a.required && args[a.name] === undefined).map((a) => a.name);
  if (missing.length)
    throw new HandlerError(-32602, `Prompt ${prompt.name} needs the argument(s): ${missing.join(', ')}`);
  return prompt.get(args, ctx);
}
