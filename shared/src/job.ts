// The job payload: the typed contract between a front node (producer) and a worker (consumer).
// Its shape is persisted in Redis while a job waits: add fields, never rename them (bump `v` if you must).
import type { SessionRef } from './keys.ts';
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
  /** request headers on the HEADERS_TO_TOOLS allow-list */
  headers?: Record<string, string>;
  /** retention the front node was configured with, so both sides trim alike */
  retention: { maxEvents: number; ttlMs: number; sessionTtlMs: number; serverRequestTimeoutMs: number };
}

/** A job name is `<method> <target>`; BullMQ shows it in dashboards. */
export function jobName(job: CallJob): string {
  return `${job.method} ${job.target}`;
}
