// resources/read on a worker: a static resource by URI, else the first template that matches.
import { FleetError, eraOf, templateMatcher, type CallJob } from '@mcp-fleet/shared';
import type { ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import type { ResourceContents } from '../define-resource.ts';
import type { HandlerContext } from '../handler-api.ts';
import type { Pack } from '../pack.ts';

export async function readResource(job: CallJob, pack: Pack, ctx: HandlerContext): Promise<ReadResourceResult> {
  const uri = job.target;
  const res = pack.resources.find((r) => r.uri === uri);
  if (res) return { contents: asList(await res.read(uri, ctx), res.mimeType) };
  for (const t of pack.resourceTemplates) {
    const vars = templateMatcher(t.uriTemplate)(uri);
    if (vars) return { contents: asList(await t.read(uri, vars, ctx), t.mimeType) };
  }
  throw new FleetError('RESOURCE_NOT_FOUND', { args: [uri], era: eraOf(job.protocolVersion), data: { uri } });
}

function asList(c: ResourceContents[] | ResourceContents, mimeType?: string): ResourceContents[] {
  const list = Array.isArray(c) ? c : [c];
  return list.map((x) => (x.mimeType === undefined && mimeType !== undefined ? { ...x, mimeType } : x));
}
