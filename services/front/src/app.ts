// Builds a front node: `buildApp(deps)` is the fastify app (tests can inject into it), `startFront(config)` wires
// Redis, the catalog and the stream hub, listens, and returns a `close()` that drains.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  AuditLog,
  FleetKeys,
  createLogger,
  batchAppends,
  createRedis,
  fleetMetrics,
  randomId,
  redisTarget,
  type FleetConfig,
} from '@mcp-fleet/shared';
import { Catalog } from './catalog/catalog.ts';
import { legacyLeaseMs, type FrontDeps } from './deps.ts';
import { TaskStore } from './tasks/task-store.ts';
import { Dispatcher } from './dispatch/dispatcher.ts';
import { registerCors } from './http/cors.ts';
import { installErrorHandler } from './http/error-handler.ts';
import { allowedHosts } from './http/host-check.ts';
import { registerMcpRoute } from './http/mcp-route.ts';
import { registerMetricsRoute, type MetricsHandler } from './http/metrics-route.ts';
import { traceRequests } from './http/request-span.ts';
import { trackConnections } from './http/connection-drain.ts';
import { registerLegacySse } from './http/legacy-sse.ts';
import { listChangedNotifier } from './catalog/list-changed.ts';
import { createModernDoor } from './modern/modern-handler.ts';
import { SessionCaps } from './sessions/session-caps.ts';
import { SessionStore } from './sessions/session-store.ts';
import { StreamCaps } from './streams/stream-caps.ts';
import { StreamHub } from './streams/stream-hub.ts';
import { Authenticator } from './auth/authenticator.ts';
import { RateLimits } from './quotas/rate-limits.ts';
import { registerResourceMetadata } from './auth/resource-metadata.ts';
import { checkSecureBinding } from './auth/secure-default.ts';
import { registerConsole } from './console/console-plugin.ts';

export function buildApp(deps: FrontDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.log as unknown as FastifyBaseLogger,
    // Per-request logs would dominate at load; our own lines carry session and job ids.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request: an SSE stream keeps its request alive for hours, and our log lines name the
    // session and job themselves.
    childLoggerFactory: (logger) => logger,
    bodyLimit: deps.config.MAX_BODY_BYTES,
    // fastify's requestTimeout defaults to 0 (none): bound how long a client may take to send a request.
    requestTimeout: deps.config.REQUEST_TIMEOUT_MS,
    return503OnClosing: true,
    trustProxy: deps.config.TRUST_PROXY,
  });
  // Bodies arrive as text so that a syntax error becomes a JSON-RPC -32700 from our own parser.
  // Other media types arrive as text too: the route refuses them (415) with the request's id when it has one.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  installErrorHandler(app, deps.config.MAX_BODY_BYTES, deps.audit);
  const { MCP_PATH, LEGACY_SSE_PATH, LEGACY_MESSAGES_PATH } = deps.config;
  traceRequests(app, [MCP_PATH, LEGACY_SSE_PATH, LEGACY_MESSAGES_PATH], deps.nodeId);
  registerResourceMetadata(app, deps.config, deps.auth.rules);
  registerCors(app, deps.config);
  registerMcpRoute(app, deps);
  registerLegacySse(app, deps);
  if (deps.metrics) registerMetricsRoute(app, deps.config, deps.metrics);
  registerConsole(app, deps);

  app.get('/healthz', async () => ({ status: 'ok', node: deps.nodeId }));
  // Ready: Redis answers (within REDIS_COMMAND_TIMEOUT_MS) and the catalog has a live worker, so calls can run.
  app.get('/readyz', async (_req, reply) => {
    try {
      await deps.redis.ping();
      if (deps.catalog.liveWorkers === 0) {
        return reply
          .code(503)
          .header('retry-after', '1')
          .send({ status: 'no workers in the catalog', node: deps.nodeId });
      }
      const mb = (n: number) => Math.round(n / 1048576);
      const m = process.memoryUsage();
      return {
        status: 'ready',
        node: deps.nodeId,
        openStreams: deps.hub.openStreams,
        catalog: deps.catalog.catalogVersion,
        memoryMb: {
          rss: mb(m.rss),
          heapUsed: mb(m.heapUsed),
          heapTotal: mb(m.heapTotal),
          external: mb(m.external),
          arrayBuffers: mb(m.arrayBuffers),
        },
      };
    } catch {
      return reply.code(503).header('retry-after', '1').send({ status: 'redis unavailable', node: deps.nodeId });
    }
  });
  // Open SSE streams would keep server.close() waiting forever: end them first; clients resume elsewhere.
  app.addHook('preClose', async () => deps.hub.closeAll());
  return app;
}

export interface RunningFront {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** A front node's parts, connected to Redis and started, without an HTTP server (tests inject into buildApp). */
/** What the entry point adds to a front node: the metrics endpoint's handler, when metrics are on. */
export interface FrontExtras {
  metrics?: MetricsHandler;
}

export async function createFrontDeps(
  config: FleetConfig,
  extras: FrontExtras = {},
): Promise<{ deps: FrontDeps; close(): Promise<void> }> {
  if (!config.REDIS_URL) throw new Error('REDIS_URL is required for a front node');
  const nodeId = config.NODE_ID ?? `front-${randomId(4)}`;
  const log = createLogger('front', config.LOG_LEVEL, nodeId);
  fleetMetrics.setNode(nodeId);
  const keys = new FleetKeys(config.KEY_PREFIX);
  // Two connections whatever the load: commands (also used by the BullMQ queue) and pub/sub.
  const target = redisTarget(config);
  const redis = createRedis(target, 'command', `front:${nodeId}:cmd`, log, {
    commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
  });
  const subscriber = createRedis(target, 'subscriber', `front:${nodeId}:sub`, log);
  batchAppends(redis, { maxBatch: config.APPEND_BATCH_MAX, inFlight: config.APPEND_BATCHES_IN_FLIGHT });
  const hub = new StreamHub(
    redis,
    subscriber,
    keys.nodeChannel(nodeId),
    log,
    config.SSE_KEEPALIVE_MS,
    config.REDIS_OUTAGE_GRACE_MS,
    config.REDIS_MODE === 'cluster' ? (streamKey) => keys.shardedWakeChannel(streamKey, nodeId) : undefined,
  );
  const catalog = new Catalog(redis, subscriber, keys, log, config.CATALOG_HEARTBEAT_MS);
  catalog.onChange = listChangedNotifier(redis, keys, log, {
    sessionTtlMs: config.SESSION_TTL_SECONDS * 1000,
    maxEvents: config.STREAM_MAX_EVENTS,
  });
  const deps: FrontDeps = {
    config,
    nodeId,
    keys,
    redis,
    log,
    audit: AuditLog.create(config, 'front', nodeId),
    metrics: extras.metrics,
    hub,
    streamCaps: new StreamCaps(redis, keys, nodeId, config.MAX_STREAMS_PER_SESSION, config.SSE_KEEPALIVE_MS),
    catalog,
    sessions: new SessionStore(
      redis,
      keys,
      config.SESSION_TTL_SECONDS * 1000,
      legacyLeaseMs(config),
      new SessionCaps(redis, keys, config.MAX_SESSIONS_PER_PRINCIPAL),
      config.SESSION_CACHE_SIZE,
    ),
    dispatcher: new Dispatcher(redis, keys, nodeId, config),
    rateLimits: new RateLimits(config, redis, keys),
    tasks: new TaskStore(redis, keys, config, nodeId),
    auth: new Authenticator(config, redis, keys),
  };
  await Promise.all([catalog.start(), hub.start()]);
  deps.modern = await createModernDoor(deps, subscriber);
  // The sessions index holds an entry per session until it is deleted; sessions that just expired are pruned here.
  const prune = setInterval(() => void deps.sessions.pruneIndex().catch(() => {}), 60_000);
  prune.unref();
  const unobserve = [
    fleetMetrics.observeOpenStreams(() => hub.openStreams),
    fleetMetrics.observeQueueDepth(() => deps.dispatcher.depths(config.QUEUE)),
  ];
  return {
    deps,
    async close() {
      clearInterval(prune);
      for (const u of unobserve) u();
      deps.audit.flush();
      catalog.stop();
      hub.closeAll();
      await deps.streamCaps.close();
      await deps.modern?.close();
      await deps.dispatcher.close();
      redis.disconnect();
      subscriber.disconnect();
    },
  };
}

export async function startFront(config: FleetConfig, extras: FrontExtras = {}): Promise<RunningFront> {
  // A node bound beyond loopback without authentication, or without ALLOWED_HOSTS, stops here, before connecting.
  checkSecureBinding(config);
  allowedHosts(config);
  const { deps, close } = await createFrontDeps(config, extras);
  const { log, catalog } = deps;
  const app = buildApp(deps);
  const connections = trackConnections(app.server);
  await app.listen({ host: config.HOST, port: config.PORT });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
  const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  const url = `http://${host}:${port}${config.MCP_PATH}`;
  if (!deps.auth.configured) {
    log.warn({ url }, 'no authentication configured: every caller is the anonymous principal (local development only)');
  }
  log.info({ url, auth: deps.auth.configured ? 'on' : 'off' }, 'front ready');
  return {
    url,
    app,
    async close() {
      catalog.stop();
      // Drain: stop accepting, end SSE streams (preClose; clients resume on another node), let in-flight requests
      // finish for SHUTDOWN_GRACE_MS, then close what is still open.
      const started = performance.now();
      const force = setTimeout(() => app.server.closeAllConnections(), config.SHUTDOWN_GRACE_MS);
      force.unref();
      const idle = setInterval(() => connections.closeIdle(), 50);
      await app.close();
      clearTimeout(force);
      clearInterval(idle);
      const httpMs = performance.now() - started;
      await close();
      log.info({ httpMs: Math.round(httpMs), totalMs: Math.round(performance.now() - started) }, 'front closed');
    },
  };
}
