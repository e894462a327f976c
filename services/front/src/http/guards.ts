// HTTP-level checks of the MCP transports: Host and Origin (DNS-rebinding protection) and Accept. They run on a POST
// once its body is parsed (so the error carries the request's id), and on a GET or DELETE before anything else.
import type { IncomingHttpHeaders } from 'node:http';
import { FleetError, originMatcher, type FleetConfig, type JsonRpcId } from '@mcp-fleet/shared';
import { allowedHosts, makeHostCheck } from './host-check.ts';

/**
 * Origin allow-list: entries are `scheme://host` (any port) or `*`. A request without an Origin header is a
 * non-browser client and is allowed (spec: reject only a present, invalid Origin).
 */
export function makeOriginCheck(allowed: string[]): (origin: string | undefined, id?: JsonRpcId | null) => void {
  const admits = originMatcher(allowed);
  return (origin, id = null) => {
    if (origin !== undefined && !admits(origin)) {
      throw new FleetError('ORIGIN_FORBIDDEN', { args: [JSON.stringify(origin)], id });
    }
  };
}

export interface Accepts {
  json: boolean;
  sse: boolean;
}

/** Parses Accept loosely: an absent header or a wildcard accepts everything. */
export function accepts(headers: IncomingHttpHeaders): Accepts {
  const h = headers.accept;
  if (!h) return { json: true, sse: true };
  const types = h.split(',').map((t) => t.split(';')[0]!.trim().toLowerCase());
  const has = (t: string) => types.includes(t) || types.includes('*/*') || types.includes(`${t.split('/')[0]}/*`);
  return { json: has('application/json'), sse: has('text/event-stream') };
}

/**
 * Host, Origin and Accept of one request to an MCP path. `host` is fastify's: the Host header, or X-Forwarded-Host
 * behind a trusted proxy (TRUST_PROXY), the name the client used either way.
 */
export function makeTransportGuard(config: Pick<FleetConfig, 'ALLOWED_ORIGINS' | 'ALLOWED_HOSTS' | 'HOST'>) {
  const checkHost = makeHostCheck(allowedHosts(config));
  const checkOrigin = makeOriginCheck(config.ALLOWED_ORIGINS);
  return (
    request: { method: string; headers: IncomingHttpHeaders; host?: string },
    id: JsonRpcId | null = null,
  ): void => {
    checkHost(request.host || header(request.headers, 'host'), id);
    checkOrigin(header(request.headers, 'origin'), id);
    const a = accepts(request.headers);
    if (request.method === 'POST' && !a.json) throw new FleetError('NOT_ACCEPTABLE_POST', { id });
    if (request.method === 'GET' && !a.sse) throw new FleetError('NOT_ACCEPTABLE_GET', { id });
  };
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
