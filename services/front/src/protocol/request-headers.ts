// Which request headers a handler sees (HEADERS_TO_TOOLS): only allow-listed ones. Authorization only when listed,
// and never when this server checks credentials itself: a token issued for this server must not reach tool code
// (MCP authorization, "token passthrough"); tools see the verified claims in ctx.principal instead.
import type { IncomingHttpHeaders } from 'node:http';

export function allowedHeaders(
  allow: string[],
  headers: IncomingHttpHeaders | Record<string, string>,
  credentialsChecked = false,
): Record<string, string> | undefined {
  if (!allow.length) return undefined;
  const out: Record<string, string> = {};
  for (const name of allow) {
    if (credentialsChecked && name.toLowerCase() === 'authorization') continue;
    const v = headers[name.toLowerCase()];
    if (v !== undefined) out[name.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
