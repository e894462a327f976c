// The job payload: the typed contract between a front node (producer) and a worker (consumer).
// Its shape is persisted in Redis while a job waits: add fields, never rename them (bump `v` if you must).
import type { SessionRef } from './keys.ts';
import type { Caller } from './principal.ts';
import type { JsonRpcId, LogLevel } from './protocol.ts';

/** The requests that run user code, and so run on workers. */
export const JOB_METHODS = ['tools/call', 'resources/read', 'prompts/get', 'completion/complete'] as const;
export type JobMethod = (typeof JOB_METHODS)[number];

export interface TraceContext {
  traceparent?: string;
  tracestate?: string;
  baggage?: string;
}

export interface CallJob {
  v: 1;
  method: JobMethod;
  /** the session (a 2026-07-28 request has none: its keys live under a namespace of its own, `session.sessionId`) */
  session: SessionRef;
  /**
   * BullMQ job id: the stream id for a request's own stream (globally unique random), `<streamId>.<random>` on a
   * shared stream. The session's in-flight hash maps the request id to it, so a cancel can name the job.
   */
  jobId: string;
  /** JSON-RPC id of the client's request; the response is answered with it */
  requestId: JsonRpcId;
  /** the stream where progress, logs, server requests and the response go */
  streamId: string;
  /**
   * The stream is shared by the whole session (legacy HTTP+SSE): the response is one more message on it and does
   * not end it. Otherwise the stream is the request's own and ends after the response.
   */
  sharedStream?: boolean;
  protocolVersion: string;
  clientCapabilities: Record<string, unknown>;
  /** the tool or prompt name, the resource URI, or (completion) the prompt name or resource template */
  target: string;
  /** the request's params as the client sent them */
  params: Record<string, unknown>;
  progressToken?: string | number;
  /**
   * The session's log level when the call started (unset: the server picks, we send info and above); 'none' when
   * the client asked for no logs (a 2026-07-28 request without `io.modelcontextprotocol/logLevel`).
   */
  logLevel?: LogLevel | 'none';
  /** W3C trace context of the request, when it carried one */
  trace?: TraceContext;
  /** who called (verified claims and scopes, never a token); absent: the anonymous caller */
  caller?: Caller;
  /** request headers on the HEADERS_TO_TOOLS allow-list */
  headers?: Record<string, string>;
  /** retention the front node was configured with, so both sides trim alike */
  retention: { maxEvents: number; ttlMs: number; sessionTtlMs: number; serverRequestTimeoutMs: number };
  /** the call is (or may become) a task (shared/src/tasks.ts): its stream and keys are the task's */
  task?: TaskJob;
}

export interface TaskJob {
  id: string;
  /** who the task belongs to (services/front/src/tasks/task-binding.ts) */
  owner: string;
  /** when the task and its result expire (ms since the epoch): its keys are kept until then, not longer */
  expiresAt: number;
  support: 'optional' | 'required';
  /**
   * The client was given the task when it made the call (2025-11-25: the call answered CreateTaskResult at once).
   * Otherwise (2026-07-28) the worker decides when the call becomes a task: a `task` event on its stream.
   */
  announced: boolean;
  /** 2026-07-28: an optional-task call that runs longer than this becomes a task */
  syncWindowMs: number;
  /** the session that created it (2025-11-25): where its status notifications go, and `ctx.session` */
  session?: SessionRef;
}

/** How long a job's stream (and its run state) is kept from now: a task's until it expires. */
export function streamTtlMs(job: CallJob): number {
  if (job.sharedStream) return job.retention.sessionTtlMs;
  if (job.task) return Math.max(1000, job.task.expiresAt - Date.now());
  return job.retention.ttlMs;
}

/** A job name is `<method> <target>`; BullMQ shows it in dashboards. */
export function jobName(job: CallJob): string {
  return `${job.method} ${job.target}`;
}
