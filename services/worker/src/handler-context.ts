// Builds the `ctx` a tool, resource or prompt handler receives for one job.
import type { Redis } from 'ioredis';
import {
  CreateMessageResultSchema,
  ElicitResultSchema,
  ListRootsResultSchema,
  type ClientCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import {
  ANONYMOUS_CALLER,
  eraOf,
  tenantOfPrincipal,
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
import type { HandlerContext, InputRequest, InputResult } from './handler-api.ts';
import { MissingCapabilityError, ServerRequestError, type Questions } from './questions.ts';
import type { PartialResults } from './partial-results.ts';
import type { RunState } from './run-state.ts';
import type { StreamWriter } from './stream-writer.ts';

/** Without logging/setLevel the server may choose (spec); we send info and above. */
const DEFAULT_LOG_LEVEL: LogLevel = 'info';

/** How each kind of answer is checked before the handler sees it (the SDK's schemas). */
const ANSWER_SCHEMAS = {
  'elicitation/create': ElicitResultSchema,
  'sampling/createMessage': CreateMessageResultSchema,
  'roots/list': ListRootsResultSchema,
} as const;

export interface ContextDeps {
  redis: Redis;
  keys: FleetKeys;
  /** republishes this worker's catalog (the pack changed at run time) */
  catalogChanged(): Promise<void>;
}

/** What one run of a job brings to its handler's context. */
export interface RunParts {
  writer: StreamWriter;
  partials: PartialResults;
  signal: AbortSignal;
  questions: Questions;
  run: RunState;
  /** `ctx.broadcast` reaches every tenant (the tool was defined with `broadcast: 'fleet'`), not only the caller's */
  broadcastsToFleet?: boolean;
}

export function handlerContext(job: CallJob, parts: RunParts, deps: ContextDeps): HandlerContext {
  const { writer, signal, questions, run, partials } = parts;
  let lastProgress = Number.NEGATIVE_INFINITY;
  const caps = job.clientCapabilities as ClientCapabilities;
  const standalone = { sessionTtlMs: job.retention.sessionTtlMs, maxEvents: job.retention.maxEvents };
  // A 2026-07-28 client may send answers with the call itself (inputResponses without a round first): a question
  // whose key it already answered is not asked again. Each answer is used once.
  const preset = new Map(Object.entries(presetAnswers(job)));

  /** Throws when the client did not declare what the question needs (its version counts too). */
  const checkCapability = (req: InputRequest): void => {
    const elicitation = caps.elicitation as { form?: unknown; url?: unknown } | undefined;
    if (req.method === 'elicitation/create') {
      if (req.params.mode === 'url') {
        if (!elicitation?.url || job.protocolVersion < '2025-11-25') {
          throw new MissingCapabilityError({ elicitation: { url: {} } }, 'elicitation.url');
        }
        // `elicitation: {}` (2025-06-18) means form mode. Elicitation exists from 2025-06-18 on: an older session
        // only uses what its version negotiated, whatever capabilities the client listed.
      } else if (
        !elicitation ||
        (elicitation.form === undefined && elicitation.url !== undefined) ||
        job.protocolVersion < '2025-06-18'
      ) {
        throw new MissingCapabilityError({ elicitation: { form: {} } }, 'elicitation (form)');
      }
    } else if (req.method === 'sampling/createMessage') {
      if (!caps.sampling) throw new MissingCapabilityError({ sampling: {} }, 'sampling');
    } else if (!caps.roots) throw new MissingCapabilityError({ roots: {} }, 'roots');
  };

  /** Asks one round of questions (a key each, or none: the server names it) and checks every answer. */
  const ask = async (round: [string | undefined, InputRequest][]): Promise<unknown[]> => {
    for (const [, req] of round) checkCapability(req);
    const unanswered = round.filter(([key]) => key === undefined || !preset.has(key));
    const asked = await questions.ask(
      unanswered.map(([key, req]) => ({ key, method: req.method, params: req.params ?? {} })),
    );
    const results = round.map(([key]) => {
      if (key !== undefined && preset.has(key)) {
        const answer = preset.get(key);
        preset.delete(key);
        return answer;
      }
      return asked.shift();
    });
    return round.map(([, req], i) => {
      const parsed = ANSWER_SCHEMAS[req.method].safeParse(results[i]);
      if (!parsed.success) {
        throw new ServerRequestError(`the client's answer to ${req.method} is not valid: ${parsed.error.message}`);
      }
      return parsed.data;
    });
  };
  const one = async <R extends InputRequest>(req: R, key?: string) => (await ask([[key, req]]))[0] as InputResult<R>;

  return {
    signal,
    headers: job.headers ?? {},
    session: {
      // A task's keys have a namespace of their own; the session is the one that created it (2025-11-25).
      id: (job.task?.session ?? job.session).sessionId,
      principal: job.session.principal,
      protocolVersion: job.protocolVersion,
      clientCapabilities: caps,
    },
    requestId: job.requestId,
    principal: job.caller ?? ANONYMOUS_CALLER,
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
    notifySession(method, params = {}, sessionId = (job.task?.session ?? job.session).sessionId) {
      // Only sessions of the same caller: a session id is not a capability to reach someone else.
      const target = { principal: job.session.principal, sessionId };
      return notifySession(deps.redis, deps.keys, target, { method, params }, standalone);
    },
    async broadcast(method, params = {}) {
      const all = await liveSessions(deps.redis, deps.keys, job.retention.sessionTtlMs);
      // One tenant's tool does not write into another tenant's sessions unless it was built to (tool option).
      const tenant = tenantOfPrincipal(job.session.principal);
      const sessions = parts.broadcastsToFleet ? all : all.filter((s) => tenantOfPrincipal(s.principal) === tenant);
      return fanOut(deps.redis, deps.keys, sessions, { method, params }, standalone);
    },
    resourceUpdated(uri) {
      return resourceUpdated(deps.redis, deps.keys, uri, standalone);
    },
    async closeConnection() {
      if (job.sharedStream || !supportsPriming(job.protocolVersion) || signal.aborted) return;
      await writer.append('closeConnection', undefined);
    },
    catalogChanged: () => deps.catalogChanged(),
    elicit: (params, options) => one({ method: 'elicitation/create', params }, options?.key),
    sample: (params, options) => one({ method: 'sampling/createMessage', params }, options?.key),
    listRoots: (options) => one({ method: 'roots/list' }, options?.key),
    runAsTask: () => writer.announce(),
    async partial(content, structuredContent) {
      if (signal.aborted) return;
      await partials.chunk(
        typeof content === 'string' ? [{ type: 'text', text: content }] : content,
        structuredContent,
      );
    },
    async step<T>(key: string, fn: () => Promise<T> | T): Promise<T> {
      const done = await run.step(key);
      if (done) return done.value as T;
      const value = await fn();
      await run.saveStep(key, value);
      return value;
    },
    async inputs<T extends Record<string, InputRequest>>(requests: T) {
      const entries = Object.entries(requests);
      const answers = await ask(entries);
      return Object.fromEntries(entries.map(([key], i) => [key, answers[i]])) as { [K in keyof T]: InputResult<T[K]> };
    },
  };
}

/** The answers a 2026-07-28 call carried in its own params (`inputResponses`), by question key. */
function presetAnswers(job: CallJob): Record<string, unknown> {
  if (eraOf(job.protocolVersion) !== 'modern') return {};
  const r = job.params.inputResponses;
  return typeof r === 'object' && r !== null && !Array.isArray(r) ? (r as Record<string, unknown>) : {};
}
