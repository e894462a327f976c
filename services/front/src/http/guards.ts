// HTTP-level checks that run before the body is read: Origin, Accept and the protocol-version header.
import type { IncomingHttpHeaders } from 'node:http';
import { FleetError } from '../errors.ts';

/**
 * Origin allow-list (DNS-rebinding protection): entries are `scheme://host` (any port) or `*`. A request without
 * an Origin header is a non-browser client and is allowed (spec: reject only a present, invalid Origin).
 */
export function makeOriginCheck(allowed: string[]): (origin: string | undefined) => void {
  const any = allowed.includes('*');
  const set = new Set(allowed.map((o) => o.toLowerCase().replace(/\/$/, '')));
  return (origin) => {
    if (origin === undefined || any) return;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new FleetError('ORIGIN_FORBIDDEN', [JSON.stringify(origin)]);
    }
    const withoutPort = `${url.protocol}//${url.hostname}`.toLowerCase();
    if (!set.has(withoutPort) && !set.has(url.origin.toLowerCase())) {
      throw new FleetError('ORIGIN_FORBIDDEN', [JSON.stringify(origin)]);
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

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
