// The 2026-07-28 front door: the official SDK's low-level Server, one per request (createMcpHandler's model). The SDK
// owns the wire rules (envelope validation, header checks, server/discover, resultType, cache fields,
// subscriptions/listen); its handlers are thin adapters over the one request planner (protocol/planner.ts), which
// the session era uses too. What is this era's own lives here: answering through the SDK, and MRTR.
import {
  ProtocolError,
  Server,
  inputRequired,
  specTypeSchemas,
  type InputRequiredResult,
  type InputRequests,
  type McpServerFactory,
  type RequestStateCodec,
  type ServerContext,
  type SpecTypeName,
  type SpecTypes,
} from '@modelcontextprotocol/server';
import { FleetError, taskOfJob } from '@mcp-fleet/shared';
import { z } from 'zod';
import { wireTask } from '@mcp-fleet/shared';
import type { FrontDeps } from '../deps.ts';
import { asFleetError } from '../http/error-handler.ts';
import { modernOrigin } from '../protocol/origin.ts';
import { planRequest } from '../protocol/planner.ts';
import { INSTRUCTIONS, MODERN_CAPABILITIES, SERVER_INFO } from '../protocol/server-info.ts';
import { startCall } from '../dispatch/start-call.ts';
import { followJob, type FollowFrom, type FollowedCall, type Outcome, type Questions } from './follow-job.ts';
import { continueParked } from './mrtr.ts';
import { requestDigest } from '../protocol/request-digest.ts';
import type { ParkedCall } from './request-state.ts';
import { ANONYMOUS, type Authenticated } from '../auth/authenticator.ts';

/** A request as the SDK hands it to a handler. */
interface ModernRequest {
  method: string;
  params?: Record<string, unknown>;
}

/** What a request came to: a result to check and send, questions for the client, or a task. */
type Served =
  | { kind: 'result'; value: unknown }
  | { kind: 'input'; value: InputRequiredResult }
  | { kind: 'task'; value: Record<string, unknown> };

/** A value checked against the SDK's schema of a spec type (and typed by it); undefined when it is not one. */
function specValue<K extends SpecTypeName>(name: K, value: unknown): SpecTypes[K] | undefined {
  const r = specTypeSchemas[name]['~standard'].validate(value);
  return r.issues ? undefined : r.value;
}

export function modernServerFactory(deps: FrontDeps, codec: RequestStateCodec<ParkedCall>): McpServerFactory {
  const serve = (req: ModernRequest, ctx: ServerContext) => serveModern(deps, codec, req, ctx);
  /** For methods whose answer is never input_required (lists, completion). */
  const resultOf =
    <K extends SpecTypeName>(type: K) =>
    async (req: ModernRequest, ctx: ServerContext): Promise<SpecTypes[K]> => {
      const served = await serve(req, ctx);
      if (served.kind !== 'result') throw internal(req, 'a handler asked the client something');
      return checked(req, served.value, type);
    };
  /** For the tasks extension's methods, which have no spec type: the planner's answer as it is. */
  const plain = async (req: ModernRequest, ctx: ServerContext): Promise<Record<string, unknown>> => {
    const served = await serve(req, ctx);
    if (served.kind !== 'result') throw internal(req, 'a tasks method ran a job');
    return served.value as Record<string, unknown>;
  };
  /** For tools/call, resources/read and prompts/get, which may answer input_required (MRTR). */
  const resultOrInput =
    <K extends SpecTypeName>(type: K) =>
    async (req: ModernRequest, ctx: ServerContext): Promise<SpecTypes[K] | InputRequiredResult> => {
      const served = await serve(req, ctx);
      if (served.kind === 'result') return checked(req, served.value, type);
      // CreateTaskResult is the tasks extension's: no spec type of the core describes it.
      return served.value as SpecTypes[K] | InputRequiredResult;
    };

  return () => {
    const server = new Server(SERVER_INFO, {
      capabilities: MODERN_CAPABILITIES,
      instructions: INSTRUCTIONS,
      requestState: { verify: codec.verify },
      // Lists change only when the worker fleet does (and listeners hear list_changed); reads run user code.
      cacheHints: {
        'tools/list': { ttlMs: 5000, cacheScope: 'public' },
        'prompts/list': { ttlMs: 5000, cacheScope: 'public' },
        'resources/list': { ttlMs: 5000, cacheScope: 'public' },
        'resources/templates/list': { ttlMs: 5000, cacheScope: 'public' },
        'resources/read': { ttlMs: 0, cacheScope: 'private' },
        'server/discover': { ttlMs: 60_000, cacheScope: 'public' },
      },
    });
    server.setRequestHandler('tools/list', resultOf('ListToolsResult'));
    server.setRequestHandler('resources/list', resultOf('ListResourcesResult'));
    server.setRequestHandler('resources/templates/list', resultOf('ListResourceTemplatesResult'));
    server.setRequestHandler('prompts/list', resultOf('ListPromptsResult'));
    server.setRequestHandler('completion/complete', resultOf('CompleteResult'));
    server.setRequestHandler('tools/call', resultOrInput('CallToolResult'));
    server.setRequestHandler('resources/read', resultOrInput('ReadResourceResult'));
    server.setRequestHandler('prompts/get', resultOrInput('GetPromptResult'));
    // The tasks extension (io.modelcontextprotocol/tasks): methods the core schema does not have.
    server.setRequestHandler('tasks/get', { params: TaskIdParams }, (params, ctx) =>
      plain(request('tasks/get', params), ctx),
    );
    server.setRequestHandler('tasks/cancel', { params: TaskIdParams }, (params, ctx) =>
      plain(request('tasks/cancel', params), ctx),
    );
    // The SDK takes `inputResponses` out of every request's params (MRTR); tasks/update carries its answers there.
    server.setRequestHandler('tasks/update', { params: TaskIdParams }, (params, ctx) =>
      plain(request('tasks/update', { ...params, inputResponses: ctx.mcpReq.inputResponses ?? {} }), ctx),
    );
    return server;
  };
}

/** The methods registered above: the planner's 2026-07-28 methods (a unit test holds the two to each other). */
export const MODERN_HANDLED = [
  'tools/list',
  'resources/list',
  'resources/templates/list',
  'prompts/list',
  'completion/complete',
  'tools/call',
  'resources/read',
  'prompts/get',
  'tasks/get',
  'tasks/cancel',
  'tasks/update',
] as const;

const TaskIdParams = z.looseObject({ taskId: z.string() });
const request = (method: string, params: Record<string, unknown>): ModernRequest => ({ method, params });

/** Plans the request (or continues a parked one) and follows its job to an answer. */
async function serveModern(
  deps: FrontDeps,
  codec: RequestStateCodec<ParkedCall>,
  req: ModernRequest,
  ctx: ServerContext,
): Promise<Served> {
  const id = ctx.mcpReq.id;
  const params = req.params ?? {};
  try {
    const target = targetOf(req.method, params);
    const digest = requestDigest(req.method, target, params);
    const parked = ctx.mcpReq.requestState<ParkedCall | string>();
    let run: { call: FollowedCall; from: FollowFrom };
    if (parked !== undefined) {
      if (typeof parked === 'string') throw new FleetError('REQUEST_STATE_MISMATCH', { era: 'modern', id });
      const next = await continueParked(
        deps,
        whoOf(ctx).principal,
        parked,
        digest,
        ctx.mcpReq.inputResponses ?? {},
        id,
      );
      if (next.kind === 'ask-again') {
        return { kind: 'input', value: await askClient(codec, ctx, next.questions, next.parked) };
      }
      run = { call: next.call, from: { afterSeq: next.afterSeq } };
    } else {
      const origin = modernOrigin(deps, ctx.mcpReq.envelope ?? {}, headersOf(ctx), whoOf(ctx));
      // Answers sent with a fresh call (no round yet) travel with its job: the tool finds them when it asks.
      const answers = ctx.mcpReq.inputResponses;
      const plan = await planRequest(deps, origin, {
        id,
        method: req.method,
        params: answers ? { ...params, inputResponses: answers } : params,
      });
      if (plan.kind === 'answer') return { kind: 'result', value: plan.result };
      if (plan.kind !== 'job') throw internal(req, 'the plan has no 2026-07-28 form');
      const started = await startCall(deps, plan.job, plan.queue);
      // A 2026-07-28 call has a namespace of its own: its request id cannot be in flight already.
      if (started.kind !== 'started') throw new Error('a modern call found its namespace in use');
      run = { call: started.job, from: { prepared: started.view } };
    }
    const outcome = await follow(deps, run.call, run.from, ctx, req.method, target);
    switch (outcome.kind) {
      case 'response': {
        const { error, result } = outcome.message;
        if (error) throw new ProtocolError(error.code, error.message, error.data);
        return { kind: 'result', value: result };
      }
      case 'input': {
        const state = {
          n: run.call.session.sessionId,
          j: run.call.jobId,
          q: outcome.seq,
          r: Object.keys(outcome.questions),
          d: digest,
        };
        return { kind: 'input', value: await askClient(codec, ctx, outcome.questions, state) };
      }
      case 'task': {
        // The call became a task: the client polls it with tasks/get, on any node (the record was written first).
        const taskId = taskOfJob(run.call.jobId);
        const origin = modernOrigin(deps, ctx.mcpReq.envelope ?? {}, headersOf(ctx), whoOf(ctx));
        const task = taskId ? await deps.tasks.find(origin, taskId) : undefined;
        if (!task) throw internal(req, 'the call became a task that cannot be read');
        return { kind: 'task', value: { resultType: 'task', ...wireTask(task, 'modern') } };
      }
      case 'ended':
        throw new FleetError('CALL_NOT_ANSWERED', { args: [req.method, 'it was cancelled'], era: 'modern', id });
    }
  } catch (err) {
    throw asProtocolError(deps, err, req);
  }
}

/** Follows the job's stream; the request's own progress token and the client's disconnect apply to it. */
async function follow(
  deps: FrontDeps,
  call: FollowedCall,
  from: FollowFrom,
  ctx: ServerContext,
  method: string,
  target: string,
): Promise<Outcome> {
  const progressToken = (ctx.mcpReq._meta as Record<string, unknown> | undefined)?.progressToken;
  const { outcome, aborted } = await followJob(
    deps,
    call,
    from,
    (n) => {
      let notice = n;
      if (n.method === 'notifications/progress') {
        // A retry is a new request with its own progressToken: progress of the parked job follows the current one.
        if (progressToken === undefined) return;
        notice = Object.assign({}, n, { params: Object.assign({}, n.params, { progressToken }) }); // per event: no spread (Node 20)
      }
      void ctx.mcpReq.notify(notice).catch(() => {});
    },
    ctx.mcpReq.signal,
  );
  if (aborted) {
    // 2026-07-28: closing the response stream cancels the request, on whichever worker runs it.
    await deps.dispatcher.cancelJob(call.session, call.jobId);
    deps.log.info({ jobId: call.jobId, method, target }, 'modern call cancelled by disconnect');
    return { kind: 'ended' };
  }
  return outcome;
}

async function askClient(
  codec: RequestStateCodec<ParkedCall>,
  ctx: ServerContext,
  questions: Questions,
  parked: ParkedCall,
): Promise<InputRequiredResult> {
  const inputRequests: InputRequests = {};
  for (const [key, q] of Object.entries(questions)) {
    const request = { method: q.method, params: q.params ?? {} };
    const checkedRequest =
      specValue('ElicitRequest', request) ??
      specValue('CreateMessageRequest', request) ??
      specValue('ListRootsRequest', request);
    if (!checkedRequest) throw new Error(`a job asked a question the client cannot be sent: ${q.method}`);
    inputRequests[key] = checkedRequest;
  }
  return inputRequired({ inputRequests, requestState: await codec.mint(parked, ctx) });
}

/** The tool or prompt name, or the resource URI or completion reference, a request is about. */
function targetOf(method: string, params: Record<string, unknown>): string {
  if (method === 'resources/read') return String(params.uri ?? '');
  if (method === 'completion/complete') {
    const ref = params.ref as { name?: string; uri?: string } | undefined;
    return String(ref?.name ?? ref?.uri ?? '');
  }
  return String(params.name ?? '');
}

function checked<K extends SpecTypeName>(req: ModernRequest, value: unknown, type: K): SpecTypes[K] {
  const v = specValue(type, value);
  if (v === undefined) throw internal(req, `the worker's answer is not a valid ${type}`);
  return v;
}

function internal(req: ModernRequest, why: string): ProtocolError {
  const e = new FleetError('HANDLER_FAILED', { args: [req.method, why], era: 'modern' });
  return new ProtocolError(e.code, e.message);
}

/** Errors as the SDK sends them: catalogued ones with their code and data; others logged, never their text. */
function asProtocolError(deps: FrontDeps, err: unknown, req: ModernRequest): unknown {
  if (err instanceof ProtocolError) return err;
  const e = asFleetError(err, deps.config.MAX_BODY_BYTES);
  if (e.errorName === 'INTERNAL') deps.log.error({ err, method: req.method }, 'modern request failed');
  return new ProtocolError(e.code, e.message, e.data);
}

function headersOf(ctx: ServerContext): Record<string, string> {
  const h = ctx.http?.req?.headers;
  return h ? Object.fromEntries(h.entries()) : {};
}

/** Who makes the request: the front door authenticated it and handed it to the SDK as authInfo. */
function whoOf(ctx: ServerContext): Authenticated {
  return (ctx.http?.authInfo?.extra?.who as Authenticated | undefined) ?? ANONYMOUS;
}
