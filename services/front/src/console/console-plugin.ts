// The operator console at /console (README, "Console"): every front node publishes its heartbeat for it; a node
// with CONSOLE_ENABLED serves the page, its live feed and the call panel. Routes:
//   GET  /console          the page (server-rendered; 401/403 sign-in page without an admitted credential)
//   GET  /console/events   the live feed (SSE, sections of HTML)
//   POST /console/call     the "call a tool" panel (SSE answer of the call)
//   POST /console/login    form with an API key or token → console cookie;  POST /console/logout drops it
// Host is checked as on the MCP paths (DNS rebinding); POSTs must come from an allowed Origin (or none).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FleetError, fleetIncidents } from '@mcp-fleet/shared';
import type { FrontDeps } from '../deps.ts';
import { makeOriginCheck } from '../http/guards.ts';
import { allowedHosts, makeHostCheck } from '../http/host-check.ts';
import { parseConsoleCall, proxyCall, selfUrl } from './call-proxy.ts';
import { ConsoleAccess, describeCaller } from './console-access.ts';
import { ConsoleFeed } from './console-feed.ts';
import { FleetReader } from './fleet-snapshot.ts';
import { FrontHeartbeat } from './front-heartbeat.ts';
import { renderLogin, renderPage } from './render.ts';

/** How often an open live feed checks its credential again. */
const RECHECK_MS = 30_000;

export function registerConsole(app: FastifyInstance, deps: FrontDeps): void {
  const { config } = deps;
  const heartbeat = new FrontHeartbeat(
    deps.redis,
    deps.keys,
    deps.nodeId,
    config.CATALOG_HEARTBEAT_MS,
    () => deps.hub.openStreams,
    config.CONSOLE_ENABLED,
  );
  app.addHook('onReady', async () => {
    heartbeat.start();
    fleetIncidents.start(deps.redis, deps.keys, deps.nodeId);
  });
  app.addHook('onClose', async () => {
    fleetIncidents.stop();
    await heartbeat.stop();
  });
  if (!config.CONSOLE_ENABLED) return;

  const access = new ConsoleAccess(config, deps.auth);
  const reader = new FleetReader(deps.redis, deps.keys, config.QUEUE, config.CATALOG_HEARTBEAT_MS);
  const feed = new ConsoleFeed(reader, config.CONSOLE_REFRESH_MS, deps.log);
  const checkHost = makeHostCheck(allowedHosts(config));
  const checkOrigin = makeOriginCheck(config.ALLOWED_ORIGINS);
  app.addHook('preClose', async () => feed.closeAll());
  app.addHook('onClose', async () => reader.close());

  const guard = (request: FastifyRequest) => {
    checkHost(request.host || request.headers.host);
    if (request.method === 'POST') checkOrigin(request.headers.origin);
  };
  const admit = async (request: FastifyRequest) => {
    guard(request);
    return access.check(access.credential(request.headers));
  };
  const secure = (request: FastifyRequest) => request.protocol === 'https';
  const loginPage = (reply: FastifyReply, err: FleetError) =>
    reply
      .code(err.status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(renderLogin({ status: err.status === 403 ? 403 : 401, message: err.message }));

  app.get('/console', async (request, reply) => {
    let who: Awaited<ReturnType<typeof admit>>;
    try {
      who = await admit(request);
    } catch (err) {
      if (
        err instanceof FleetError &&
        (err.errorName === 'CONSOLE_UNAUTHORIZED' || err.errorName === 'CONSOLE_FORBIDDEN')
      ) {
        return loginPage(reply, err);
      }
      throw err;
    }
    const snapshot = await feed.snapshot();
    const tools = [...new Set(snapshot.workers.flatMap((w) => w.tools))].sort();
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(
        renderPage({
          snapshot,
          finished: feed.finishedCalls,
          node: deps.nodeId,
          who: describeCaller(who),
          signOut: access.required,
          tools,
        }),
      );
  });

  app.get('/console/events', async (request, reply) => {
    await admit(request);
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    reply.raw.write('retry: 2000\n\n');
    feed.add(reply.raw);
    if (access.required) {
      // A feed stays open for hours: a credential revoked or expired meanwhile ends it (the reconnect is refused).
      const token = access.credential(request.headers);
      const recheck = setInterval(() => {
        access.check(token).catch(() => reply.raw.end());
      }, RECHECK_MS);
      recheck.unref();
      reply.raw.on('close', () => clearInterval(recheck));
    }
  });

  app.post('/console/call', async (request, reply) => {
    await admit(request);
    // JSON only: a cross-site form cannot send it without a CORS preflight (the cookie is SameSite=Strict anyway).
    if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
      throw new FleetError('UNSUPPORTED_MEDIA_TYPE');
    }
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
    await proxyCall(request, reply, {
      url: selfUrl(config, port),
      token: access.required ? access.credential(request.headers) : undefined,
      call: parseConsoleCall(request.body),
    });
    return reply;
  });

  app.post('/console/login', async (request, reply) => {
    guard(request);
    const token = new URLSearchParams(typeof request.body === 'string' ? request.body : '').get('token')?.trim();
    try {
      await access.check(token || undefined);
    } catch (err) {
      if (err instanceof FleetError && (err.status === 401 || err.status === 403)) return loginPage(reply, err);
      throw err;
    }
    if (access.required && token) reply.header('set-cookie', access.cookie(token, secure(request)));
    return reply.code(303).header('location', '/console').send();
  });

  app.post('/console/logout', async (request, reply) => {
    guard(request);
    return reply.code(303).header('set-cookie', access.clearCookie()).header('location', '/console').send();
  });
}
