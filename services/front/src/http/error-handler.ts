// The one place where errors become HTTP responses: every body is a JSON-RPC error a person can read.
import type { FastifyError, FastifyInstance } from 'fastify';
import { ERRORS, FleetError, errorBody, type ErrorName } from '../errors.ts';

/** fastify's own errors, mapped onto our table. */
const FASTIFY_CODES: Record<string, ErrorName> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BODY_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'PARSE_ERROR',
};

export function isRedisDown(err: unknown): boolean {
  const m = (err as Error)?.message ?? '';
  return /Connection is closed|ECONNREFUSED|Stream isn't writeable|MaxRetriesPerRequest|ETIMEDOUT|ENOTCONN/i.test(m);
}

export function installErrorHandler(app: FastifyInstance, maxBodyBytes: number): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    let e: FleetError;
    if (err instanceof FleetError) e = err;
    else if (err.code && FASTIFY_CODES[err.code]) {
      const name = FASTIFY_CODES[err.code]!;
      e = new FleetError(name, name === 'BODY_TOO_LARGE' ? [String(maxBodyBytes)] : [err.message]);
    } else if (isRedisDown(err)) e = new FleetError('REDIS_UNAVAILABLE');
    else {
      request.log.error({ err }, 'unhandled error');
      e = new FleetError('INTERNAL', ['the server failed to handle this request; see the server log']);
    }
    if (reply.sent || reply.raw.headersSent) {
      reply.raw.destroy();
      return;
    }
    const headers: Record<string, string> = {};
    if (e.status === 503) headers['retry-after'] = '1';
    return reply
      .code(e.status)
      .headers(headers)
      .type('application/json')
      .send(errorBody(e.id, e.code, e.message));
  });
  app.setNotFoundHandler((request, reply) => {
    const e = ERRORS.METHOD_NOT_ALLOWED;
    return reply
      .code(404)
      .type('application/json')
      .send(
        errorBody(
          null,
          e.code,
          `Not Found: ${request.method} ${request.url.split('?')[0]} (the MCP endpoint is elsewhere)`,
        ),
      );
  });
}
