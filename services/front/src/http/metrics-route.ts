// The Prometheus endpoint (METRICS_PATH), and who may scrape it. `metricsAccess` is the one access decision for every
// metrics endpoint — a front node's route here and a worker's metrics listener (services/cli) — so a new way in (a
// principal with an admin scope, once authentication lands) is added in one place.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { FleetError, isLoopbackAddress, type FleetConfig } from '@mcp-fleet/shared';

/** Writes the metrics (the Prometheus exporter's request handler). */
export type MetricsHandler = (request: IncomingMessage, response: ServerResponse) => void;

export type MetricsDecision =
  | { allowed: true }
  | { allowed: false; error: 'METRICS_UNAUTHORIZED' | 'METRICS_FORBIDDEN' };

/**
 * METRICS_TOKEN set: the request must carry `Authorization: Bearer <token>` (compared in constant time). Unset:
 * metrics are served only when the process is bound to a loopback address, where only this machine can scrape.
 */
export function metricsAccess(
  request: { headers: IncomingHttpHeaders },
  config: Pick<FleetConfig, 'METRICS_TOKEN' | 'HOST'>,
): MetricsDecision {
  const token = config.METRICS_TOKEN;
  if (token === undefined) {
    return isLoopbackAddress(config.HOST) ? { allowed: true } : { allowed: false, error: 'METRICS_FORBIDDEN' };
  }
  const m = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return m && sameSecret(m[1]!, token) ? { allowed: true } : { allowed: false, error: 'METRICS_UNAUTHORIZED' };
}

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
function sameSecret(given: string, expected: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(given), h(expected));
}

export function registerMetricsRoute(app: FastifyInstance, config: FleetConfig, handler: MetricsHandler): void {
  app.get(config.METRICS_PATH, async (request, reply) => {
    const access = metricsAccess(request, config);
    if (!access.allowed) {
      const e = new FleetError(access.error);
      if (e.status === 401) reply.header('www-authenticate', 'Bearer');
      throw e;
    }
    reply.hijack();
    handler(request.raw, reply.raw);
    return reply;
  });
}
