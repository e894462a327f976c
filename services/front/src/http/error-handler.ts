// The one place where errors become HTTP responses: every body is a JSON-RPC error a person can read, carrying the
// request's id whenever the body had a readable one (routes remember it as soon as the body is parsed).
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import {
  FleetError,
  fleetIncidents,
  fleetMetrics,
  isRedisOutage,
  type AuditLog,
  type ErrorName,
  type JsonRpcId,
} from '@mcp-fleet/shared';
import { requestTraceId } from './request-span.ts';

/** fastify's own errors, mapped onto the catalogue. */
const FASTIFY_CODES: Record<string, ErrorName> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BODY_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'PARSE_ERROR',
};

const requestIds = new WeakMap<FastifyRequest, JsonRpcId>();
const principals = new WeakMap<FastifyRequest, string>();

/** Statuses that mean "refused": each gets an audit line and counts in mcp_fleet_denied_requests. */
const DENIED = new Set([401, 403, 429]);

/** Remembers who a request comes from, for the audit line of a refusal answered later. */
export function rememberPrincipal(request: FastifyRequest, principal: string): void {
  principals.set(request, principal);
}

/** Remembers the JSON-RPC id of the request's body, for any error answered later. */
export function rememberRequestId(request: FastifyRequest, id: JsonRpcId | null): void {
  if (id !== null) requestIds.set(request, id);
}

/** Any error as a catalogued one: ours as they are, fastify's and Redis outages mapped, the rest INTERNAL. */
export function asFleetError(err: unknown, maxBodyBytes: number): FleetError {
  if (err instanceof FleetError) return err;
  const code = (err as FastifyError)?.code;
  const name = code ? FASTIFY_CODES[code] : undefined;
  if (name) return new FleetError(name, { args: [name === 'BODY_TOO_LARGE' ? maxBodyBytes : (err as Error).message] });
  if (isRedisOutage(err)) return new FleetError('REDIS_UNAVAILABLE');
  return new FleetError('INTERNAL');
}

export function installErrorHandler(app: FastifyInstance, maxBodyBytes: number, audit: AuditLog): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const e = asFleetError(err, maxBodyBytes);
    if (e.errorName === 'INTERNAL') request.log.error({ err }, 'unhandled error');
    if (DENIED.has(e.status) || e.status >= 500) {
      // The operator console's recent errors and quota rejections (batched in memory: a flood costs no Redis work).
      fleetIncidents.record({
        kind: e.status === 429 ? 'quota' : e.status >= 500 ? 'error' : 'denied',
        error: e.errorName,
        status: e.status,
        principal: principals.get(request),
        what: `${request.method} ${request.url.split('?')[0]}`,
      });
    }
    if (DENIED.has(e.status)) {
      fleetMetrics.requestDenied({ status: e.status, error: e.errorName });
      audit.denied({
        principal: principals.get(request),
        status: e.status,
        error: e.errorName,
        request: `${request.method} ${request.url.split('?')[0]}`,
        traceId: requestTraceId(request),
      });
    }
    if (reply.sent || reply.raw.headersSent) {
      reply.raw.destroy();
      return;
    }
    const headers: Record<string, string> = { ...e.headers };
    if (e.retryAfterSeconds !== undefined) headers['retry-after'] ??= String(e.retryAfterSeconds);
    return reply
      .code(e.status)
      .headers(headers)
      .type('application/json')
      .send(e.toJsonRpc(e.id ?? requestIds.get(request) ?? null));
  });
  app.setNotFoundHandler((request, reply) => {
    const e = new FleetError('NOT_FOUND', { args: [`${request.method} ${request.url.split('?')[0]}`] });
    return reply.code(e.status).type('application/json').send(e.toJsonRpc());
  });
}
