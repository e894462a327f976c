// completion/complete on a worker: asks the prompt's or template's `complete` function for candidates.
import { FleetError, eraOf, type CallJob } from '@mcp-fleet/shared';
import type { CompleteResult } from '@modelcontextprotocol/sdk/types.js';
import type { Pack } from '../pack.ts';

const MAX_VALUES = 100; // spec: at most 100 values per response

export async function complete(job: CallJob, pack: Pack): Promise<CompleteResult> {
  const ref = job.params.ref as { type: string; name?: string; uri?: string };
  const argument = job.params.argument as { name: string; value: string };
  const context = (job.params.context as { arguments?: Record<string, string> } | undefined)?.arguments ?? {};
  const source =
    ref.type === 'ref/prompt'
      ? pack.prompts.find((p) => p.name === ref.name)
      : pack.resourceTemplates.find((t) => t.uriTemplate === ref.uri);
  if (!source) {
    throw new FleetError('UNKNOWN_COMPLETION_REF', { args: [JSON.stringify(ref)], era: eraOf(job.protocolVersion) });
  }
  const fn = source.complete?.[argument.name];
  const all = fn ? await fn(argument.value, context) : [];
  return { completion: { values: all.slice(0, MAX_VALUES), total: all.length, hasMore: all.length > MAX_VALUES } };
}
