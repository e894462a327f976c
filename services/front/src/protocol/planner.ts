// The request planner: the one method table of both protocol eras and every transport. Per method it decides
// "answer here" (catalog lookups, session settings, argument checks, completion short-cuts) or "run as a job", and
// builds the job. The eras differ only in the request's origin (origin.ts) and in which methods they have.
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import {
  FleetError,
  randomId,
  type CallJob,
  type Era,
  type JobMethod,
  type JsonRpcId,
  type TaskJob,
  type TaskRecord,
} from '@mcp-fleet/shared';
import { visibleTo } from '../auth/access.ts';
import { TASK_METHODS } from '../tasks/task-methods.ts';
import { taskOwner, taskRef } from '../tasks/task-binding.ts';
import { taskPlanFor, type TaskPlan } from '../tasks/task-policy.ts';
import { jobRetention, type FrontDeps } from '../deps.ts';
import { paramsOf } from './messages.ts';
import type { RequestOrigin } from './origin.ts';
import { allowedHeaders } from './request-headers.ts';
import { traceOf } from './trace.ts';

/** A job as the planner builds it; the transport decides which stream it writes to. */
export type JobRequest = Omit<CallJob, 'streamId' | 'jobId' | 'sharedStream'>;

export interface PlannedRequest {
  id: JsonRpcId;
  method: string;
  params: Record<string, unknown>;
}

/**
 * The front answers itself, or the request runs on a worker of `queue`, or (2025-11-25 tasks/result) the request
 * waits on a task's stream for its outcome.
 */
export type Plan =
  | { kind: 'answer'; result: unknown }
  | { kind: 'job'; job: JobRequest; queue: string }
  | { kind: 'taskResult'; task: TaskRecord };

export interface Step {
  deps: FrontDeps;
  origin: RequestOrigin;
  req: PlannedRequest;
}

export interface MethodSpec {
  eras: readonly Era[];
  plan(step: Step): Plan | Promise<Plan>;
}

const BOTH: readonly Era[] = ['session', 'modern'];
/** Methods 2026-07-28 removed (the SDK's handler answers them 404 before they reach the table). */
const SESSION_ONLY: readonly Era[] = ['session'];

const answer = (result: unknown): Plan => ({ kind: 'answer', result });

/** The session the method needs; the table lists session-only methods for the session era only. */
function sessionOf(step: Step) {
  const s = step.origin.sessionRecord;
  if (!s) throw new FleetError('METHOD_NOT_FOUND', { args: [step.req.method], era: step.origin.era, id: step.req.id });
  return s;
}

function job(step: Step, method: JobMethod, target: string, queue: string, task?: TaskPlan): Plan {
  return { kind: 'job', job: buildJob(step.deps, step.origin, step.req, method, target, task), queue };
}

/**
 * The catalog, for the methods that read it. With no live worker in it (the fleet is starting, or Redis lost it and
 * the workers have not republished yet) nothing can be answered truthfully: 503, never "unknown tool".
 */
function catalogOf(step: Step) {
  if (step.deps.catalog.liveWorkers === 0) throw new FleetError('NO_WORKERS');
  return step.deps.catalog;
}

/** Item names the scope rules are written against: a tool's or prompt's name, a resource's URI or template. */
const SCOPED = {
  tools: ['tool', 'name'],
  prompts: ['prompt', 'name'],
  resources: ['resource', 'uri'],
  resourceTemplates: ['resource', 'uriTemplate'],
} as const;

function list(kind: 'tools' | 'resources' | 'resourceTemplates' | 'prompts', cursor: string | undefined, step: Step) {
  const canUse = visibleTo(step.deps.auth, step.origin.caller);
  const [scopedKind, field] = SCOPED[kind];
  const visible = (item: Record<string, unknown>) => canUse(scopedKind, String(item[field]));
  return answer(catalogOf(step).page(kind, cursor, step.deps.config.TOOLS_PAGE_SIZE, visible));
}

export const METHODS: Record<string, MethodSpec> = {
  ...TASK_METHODS,
  ping: { eras: SESSION_ONLY, plan: () => answer({}) },
  'logging/setLevel': {
    eras: SESSION_ONLY,
    async plan(step) {
      const { level } = paramsOf(SetLevelRequestSchema, step.req).params;
      await step.deps.sessions.setLogLevel(sessionOf(step), level);
      return answer({});
    },
  },
  'resources/subscribe': {
    eras: SESSION_ONLY,
    async plan(step) {
      const { uri } = paramsOf(SubscribeRequestSchema, step.req).params;
      // Only what the fleet can serve: a subscription to anything else would never hear an update.
      if (!catalogOf(step).resourceQueue(uri))
        throw new FleetError('RESOURCE_NOT_FOUND', { args: [uri], data: { uri } });
      await step.deps.sessions.subscribe(sessionOf(step), uri);
      return answer({});
    },
  },
  'resources/unsubscribe': {
    eras: SESSION_ONLY,
    async plan(step) {
      await step.deps.sessions.unsubscribe(sessionOf(step), paramsOf(UnsubscribeRequestSchema, step.req).params.uri);
      return answer({});
    },
  },
  initialize: {
    // A session's initialize was handled before the table (it creates the session); a second one is an error.
    eras: SESSION_ONLY,
    plan: (step) => {
      throw new FleetError('ALREADY_INITIALIZED', { id: step.req.id });
    },
  },
  'tools/list': {
    eras: BOTH,
    plan: (step) => list('tools', paramsOf(ListToolsRequestSchema, step.req).params?.cursor, step),
  },
  'resources/list': {
    eras: BOTH,
    plan: (step) => list('resources', paramsOf(ListResourcesRequestSchema, step.req).params?.cursor, step),
  },
  'resources/templates/list': {
    eras: BOTH,
    plan: (step) =>
      list('resourceTemplates', paramsOf(ListResourceTemplatesRequestSchema, step.req).params?.cursor, step),
  },
  'prompts/list': {
    eras: BOTH,
    plan: (step) => list('prompts', paramsOf(ListPromptsRequestSchema, step.req).params?.cursor, step),
  },
  'tools/call': {
    eras: BOTH,
    plan(step) {
      const { name, arguments: args = {} } = paramsOf(CallToolRequestSchema, step.req).params;
      const entry = catalogOf(step).tool(name);
      if (!entry) throw new FleetError('UNKNOWN_TOOL', { args: [name], era: step.origin.era });
      const invalid = catalogOf(step).validationError(name, args);
      if (invalid) {
        // Since 2025-11-25 (SEP-1303) bad arguments are a tool execution error the model can correct.
        return answer({
          isError: true,
          content: [{ type: 'text', text: `Invalid arguments for tool ${name}: ${invalid}` }],
        });
      }
      return job(step, 'tools/call', name, entry.queue, taskPlanFor(step.origin, entry.item, step.req.params));
    },
  },
  'resources/read': {
    eras: BOTH,
    plan(step) {
      const { uri } = paramsOf(ReadResourceRequestSchema, step.req).params;
      const queue = catalogOf(step).resourceQueue(uri);
      if (!queue) throw new FleetError('RESOURCE_NOT_FOUND', { args: [uri], era: step.origin.era, data: { uri } });
      return job(step, 'resources/read', uri, queue);
    },
  },
  'prompts/get': {
    eras: BOTH,
    plan(step) {
      const { name, arguments: args = {} } = paramsOf(GetPromptRequestSchema, step.req).params;
      const entry = catalogOf(step).prompt(name);
      if (!entry) throw new FleetError('UNKNOWN_PROMPT', { args: [name], era: step.origin.era });
      const missing = (entry.item.arguments ?? [])
        .filter((a) => a.required && args[a.name] === undefined)
        .map((a) => a.name);
      if (missing.length) {
        throw new FleetError('PROMPT_ARGUMENTS_MISSING', { args: [name, missing.join(', ')], era: step.origin.era });
      }
      return job(step, 'prompts/get', name, entry.queue);
    },
  },
  'completion/complete': {
    eras: BOTH,
    plan(step) {
      const { ref, argument } = paramsOf(CompleteRequestSchema, step.req).params;
      const entry = ref.type === 'ref/prompt' ? catalogOf(step).prompt(ref.name) : catalogOf(step).template(ref.uri);
      if (!entry) throw new FleetError('UNKNOWN_COMPLETION_REF', { args: [JSON.stringify(ref)], era: step.origin.era });
      // Nothing to ask a worker when the argument has no completer.
      if (!entry.item.completable?.includes(argument.name))
        return answer({ completion: { values: [], total: 0, hasMore: false } });
      return job(step, 'completion/complete', ref.type === 'ref/prompt' ? ref.name : ref.uri, entry.queue);
    },
  },
};

/** Plans one request; a catalogued error (unknown tool, bad params…) is thrown carrying the request's id. */
export async function planRequest(deps: FrontDeps, origin: RequestOrigin, req: PlannedRequest): Promise<Plan> {
  const spec = Object.hasOwn(METHODS, req.method) ? METHODS[req.method] : undefined;
  try {
    if (!spec?.eras.includes(origin.era)) {
      throw new FleetError('METHOD_NOT_FOUND', { args: [req.method], era: origin.era });
    }
    return await spec.plan({ deps, origin, req });
  } catch (err) {
    if (err instanceof FleetError) err.id ??= req.id;
    throw err;
  }
}

/** The job of a request that runs on a worker. */
export function buildJob(
  deps: FrontDeps,
  origin: RequestOrigin,
  req: PlannedRequest,
  method: JobMethod,
  target: string,
  taskPlan?: TaskPlan,
): JobRequest {
  const meta = req.params._meta as Record<string, unknown> | undefined;
  const token = meta?.progressToken;
  const retention = jobRetention(deps.config, origin.sessionTtlMs);
  let task: TaskJob | undefined;
  if (taskPlan) {
    // A task's keys live in a namespace of its own, for as long as the task does.
    const id = randomId(16);
    const ttlMs = deps.tasks.ttlFor(taskPlan.requestedTtl);
    retention.ttlMs = ttlMs;
    task = {
      id,
      owner: taskOwner(origin),
      expiresAt: Date.now() + ttlMs,
      support: taskPlan.support,
      announced: taskPlan.announced,
      syncWindowMs: deps.config.TASK_SYNC_WINDOW_MS,
      ...(origin.era === 'session' && { session: origin.session }),
    };
  }
  return {
    v: 1,
    method,
    session: task ? taskRef(origin, task.id) : origin.session,
    requestId: req.id,
    protocolVersion: origin.protocolVersion,
    clientCapabilities: origin.clientCapabilities,
    target,
    params: req.params,
    progressToken: typeof token === 'string' || typeof token === 'number' ? token : undefined,
    logLevel: origin.logLevel,
    trace: traceOf(meta, origin.headers),
    headers: allowedHeaders(deps.config.HEADERS_TO_TOOLS, origin.headers, deps.auth.configured),
    retention,
    // Verified claims only, never the token; absent for the anonymous caller.
    ...(origin.caller.via !== 'anonymous' && { caller: origin.caller }),
    ...(task && { task }),
  };
}
