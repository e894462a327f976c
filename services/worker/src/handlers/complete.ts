// completion/complete on a worker: asks the prompt's or template's `complete` function for candidates.
import type { CallJob } from '@mcp-fleet/shared';
import type { Pack } from '../pack.ts';
import { HandlerError } from './handler-error.ts';

const MAX_VALUES = 100; // spec: at most 100 values per response

export async function complete(job: CallJob, pack: Pack) {
  const ref = job.params.ref as { type: string; name?: string; uri?: string };
  const argument = job.params.argument as { name: string; value: string };
  const context = (job.params.context as { arguments?: Record<string, string> } | undefined)?.arguments ?? {};
  const source =
    ref.type === 'ref/prompt'
      ? pack.prompts.find((p) => p.name === ref.name)
      : pack.resourceTemplates.find((t) => t.uriTemplate === ref.uri);
  if (!source) throw new HandlerError(-32602, `Unknown completion reference: ${JSON.stringify(ref)}`);
  const fn = source.complete?.[argument.name];
  const all = fn ? await fn(argument.value, context) : [];
  return { completion: { values: all.slice(0, MAX_VALUES), total: all.length, hasMore: all.length > MAX_VALUES } };
}
