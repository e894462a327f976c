// Builds the `ctx` a tool, resource or prompt handler receives for one job.
import type { Redis } from 'ioredis';
import {
  fanOut,
  liveSessions,
  logLevelPasses,
  notifySession,
  resourceUpdated,
  supportsPriming,
  type CallJob,
  type FleetKeys,
  type LogLevel,
} from '@mcp-fleet/shared';
import type { HandlerContext } from './define-tool.ts';
import { MissingCapabilityError, type ServerRequests } from './server-requests.ts';
import type { StreamWriter } from './stream-writer.ts';

/** Without logging/setLevel the server may choose (spec); we send info and above. */
const DEFAULT_LOG_LEVEL: LogLevel = 'info';

export interface ContextDeps {
  redis: Redis;
  keys: FleetKeys;
  requests: ServerRequests;
}

export function handlerContext(
  job: CallJob,
  writer: StreamWriter,
  signal: AbortSignal,
  deps: ContextDeps,
): HandlerContext {
  let lastProgress = -Infinity;
  const caps = job.clientCapabilities;
  const standalone = { sessionTtlMs: job.retention.sessionTtlMs, maxEvents: job.retention.maxEvents };
  const need = (ok: boolean, what: string, capability: Record<string, unknown>) => {
    if (!ok) throw new MissingCapabilityError(capability, what);
  };
  const ask = (method: string, params: Record<string, unknown>) =>
    deps.requests.send(job, writer, method, params, signal);

  return {
    signal,
    headers: job.headers ?? {},
    session: {
      id: job.session.sessionId,
      principal: job.session.principal,
      protocolVersion: job.protocolVersion,
      clientCapabilities: caps,
    },
    requestId: job.requestId,
    async progress(progress, total, message) {
      // Progress must strictly increase and only answers a request that asked for it (spec, progress).
      if (job.progressToken === undefined || !(progress > lastProgress) || signal.aborted) return;
      lastProgress = progress;
      const params: Record<string, unknown> = { progressToken: job.progressToken, progress };
      if (total !== undefined) params.total = total;
      if (message !== undefined) params.message = message;
      await writer.notification('notifications/progress', params, progress);
    },
    async log(level, data, logger) {
      if (signal.aborted || job.logLevel === 'none' || !logLevelPasses(level, job.logLevel ?? DEFAULT_LOG_LEVEL))
        return;
      const params: Record<string, unknown> = { level, data };
      if (logger !== undefined) params.logger = logger;
      await writer.notification('notifications/message', params);
    },
    async notify(method, params = {}) {
      if (signal.aborted) return;
      await writer.notification(method, params);
    },
    notifySession(method, params = {}, sessionId = job.session.sessionId) {
      // Only sessions of the same caller: a session id is not a capability to reach someone else.
      const target = { principal: job.session.principal, sessionId };
      return notifySession(deps.redis, deps.keys, target, { method, params }, standalone);
    },
    async broadcast(method, params = {}) {
      const sessions = await liveSessions(deps.redis, deps.keys, job.retention.sessionTtlMs);
      return fanOut(deps.redis, deps.keys, sessions, { method, params }, standalone);
    },
    resourceUpdated(uri) {
      return resourceUpdated(deps.redis, deps.keys, uri, standalone);
    },
    async closeConnection() {
      if (job.sharedStream || !supportsPriming(job.protocolVersion) || signal.aborted) return;
      await writer.append('c', undefined);
    },
    async elicit(params) {
      const elicitation = caps.elicitation as Record<string, unknown> | undefined;
      if (params.mode === 'url') {
        need(Boolean(elicitation?.url) && job.protocolVersion >= '2025-11-25', 'elicitation.url', {
          elicitation: { url: {} },
        });
      } else {
        // `elicitation: {}` (2025-06-18) means form mode. Elicitation exists from 2025-06-18 on: an older session
        // only uses what its version negotiated, whatever capabilities the client listed.
        need(
          Boolean(elicitation) &&
            (elicitation!.form !== undefined || elicitation!.url === undefined) &&
            job.protocolVersion >= '2025-06-18',
          'elicitation (form)',
          { elicitation: { form: {} } },
        );
      }
      return (await ask('elicitation/create', params)) as Awaited<ReturnType<HandlerContext['elicit']>>;
    },
    async sample(params) {
      need(Boolean(caps.sampling), 'sampling', { sampling: {} });
      return (await ask('sampling/createMessage', params)) as Record<string, unknown>;
    },
    async listRoots() {
      need(Boolean(caps.roots), 'roots', { roots: {} });
      return (await ask('roots/list', {})) as Awaited<ReturnType<HandlerContext['listRoots']>>;
    },
  };
}
