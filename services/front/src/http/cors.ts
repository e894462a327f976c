// CORS for browser clients, off unless CORS_ORIGINS lists origins (a non-browser client needs none of it). Every
// listed origin also passes the Origin check (config.ts refuses one that would not), so a preflight never admits
// what the request itself would be refused for. @fastify/cors answers preflights itself and adds the headers to every
// response of an allowed origin, errors included (a 404 or 405 without them would look like a network error to a
// browser).
import cors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FleetConfig } from '@mcp-fleet/shared';
import { header } from './guards.ts';

/** What a browser client sends beyond the CORS-safelisted headers (both eras; traceparent etc. for tracing). */
const REQUEST_HEADERS = [
  'Authorization',
  'Content-Type',
  'Accept',
  'Mcp-Session-Id',
  'Mcp-Protocol-Version',
  'Last-Event-ID',
  'Mcp-Method',
  'Mcp-Name',
  'traceparent',
  'tracestate',
  'baggage',
];

/**
 * What a browser script may read: the session id and version it must send back, the auth challenge, and how long to
 * wait after a 429 or 503. (Resumption needs no header: SSE event ids travel in the stream itself.)
 */
const EXPOSED_HEADERS = ['Mcp-Session-Id', 'Mcp-Protocol-Version', 'WWW-Authenticate', 'Retry-After'];

/** Preflights are cached this long (seconds) by browsers. */
const PREFLIGHT_MAX_AGE_S = 600;

/**
 * 2026-07-28 `Mcp-Param-<Name>` headers are named by each tool's schema, so they cannot be listed up front: the ones a
 * preflight asks for are allowed too (their values are checked against the body, param-headers.ts).
 */
function paramHeadersAsked(request: FastifyRequest): string[] {
  const asked = header(request.headers, 'access-control-request-headers') ?? '';
  return asked
    .split(',')
    .map((h) => h.trim())
    .filter((h) => /^mcp-param-[\w-]+$/i.test(h));
}

export function registerCors(app: FastifyInstance, config: Pick<FleetConfig, 'CORS_ORIGINS'>): void {
  if (config.CORS_ORIGINS.length === 0) return;
  const origin = config.CORS_ORIGINS.includes('*') ? '*' : config.CORS_ORIGINS;
  const options = (request: FastifyRequest): FastifyCorsOptions => ({
    origin,
    methods: ['GET', 'POST', 'DELETE'],
    allowedHeaders: [...REQUEST_HEADERS, ...paramHeadersAsked(request)],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE_S,
  });
  void app.register(cors, { delegator: (request, done) => done(null, options(request as FastifyRequest)) });
}
