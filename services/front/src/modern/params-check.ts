// The params of a 2026-07-28 request, checked against the spec's schema before the SDK's handler sees them. The
// SDK parses them too, but answers a mismatch as -32603 with the validator's raw text; a client's mistake is a
// -32602 that says what is wrong (the error catalogue's INVALID_PARAMS), for the request's id.
import { specTypeSchemas, type SpecTypeName } from '@modelcontextprotocol/server';
import { FleetError } from '@mcp-fleet/shared';

/** The spec type of each request the 2026-07-28 adapter serves (modern-server.ts registers the same methods). */
const REQUEST_TYPES: Record<string, SpecTypeName> = {
  'tools/list': 'ListToolsRequest',
  'resources/list': 'ListResourcesRequest',
  'resources/templates/list': 'ListResourceTemplatesRequest',
  'prompts/list': 'ListPromptsRequest',
  'completion/complete': 'CompleteRequest',
  'tools/call': 'CallToolRequest',
  'resources/read': 'ReadResourceRequest',
  'prompts/get': 'GetPromptRequest',
};

export function checkModernParams(message: { id: string | number; method: string; params?: unknown }): void {
  const type = REQUEST_TYPES[message.method];
  if (!type) return;
  const r = specTypeSchemas[type]['~standard'].validate({ method: message.method, params: message.params });
  if (!r.issues) return;
  const what = r.issues
    .map((i) => `${(i.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.')}: ${i.message}`)
    .join('; ');
  throw new FleetError('INVALID_PARAMS', { args: [message.method, what], era: 'modern', id: message.id });
}
