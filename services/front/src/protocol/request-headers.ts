// Which request headers a handler sees (HEADERS_TO_TOOLS): only allow-listed ones, Authorization only when listed.
import type { IncomingHttpHeaders } from 'node:http';

export function allowedHeaders(
  allow: string[],
  headers: IncomingHttpHeaders | Record<string, string>,
): Record<string, string> | undefined {
  if (!allow.length) return undefined;
  const out: Record<string, string> = {};
  for (const name of allow) {
    const v = headers[name.toLowerCase()];
    if (v !== undefined) out[name.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
