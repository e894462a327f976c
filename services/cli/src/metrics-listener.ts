// A worker's Prometheus endpoint: workers serve no HTTP otherwise, so metrics get a small listener of their own on
// HOST:METRICS_PORT, behind the same access rule as a front node's (metricsAccess).
import { createServer, type Server } from 'node:http';
import { FleetError, type FleetConfig } from '@mcp-fleet/shared';
import { metricsAccess, type MetricsHandler } from '@mcp-fleet/front';

export async function listenForMetrics(config: FleetConfig, handler: MetricsHandler): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const access = metricsAccess(request, config);
    const refuse = (e: FleetError) =>
      response
        .writeHead(e.status, {
          'content-type': 'application/json',
          ...(e.status === 401 && { 'www-authenticate': 'Bearer' }),
        })
        .end(JSON.stringify(e.toJsonRpc()));
    if (request.method !== 'GET' || path !== config.METRICS_PATH) {
      return refuse(new FleetError('NOT_FOUND', { args: [`${request.method} ${path}`] }));
    }
    if (!access.allowed) return refuse(new FleetError(access.error));
    handler(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.METRICS_PORT, config.HOST, () => resolve());
  });
  return server;
}
