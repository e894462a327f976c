// The job payload: the typed contract between a front node (producer) and a worker (consumer).
// Its shape is persisted in Redis while a job waits: add fields, never rename them (bump `v` if you must).
import type { SessionRef } from './keys.ts';
import type { JsonRpcId, LogLevel } from './protocol.ts';

export interface ToolCallJob {
  v: 1;
  session: SessionRef;
  /** JSON-RPC id of the client's request; the result is answered with it */
  requestId: JsonRpcId;
  /** the request's own stream, where progress, logs and the result go */
  streamId: string;
  protocolVersion: string;
  tool: string;
  args: Record<string, unknown>;
  progressToken?: string | number;
  /** the session's log level when the call started (unset: the server picks, we send info and above) */
  logLevel?: LogLevel;
  /** W3C trace context of the request, when it carried one */
  trace?: { traceparent?: string; tracestate?: string; baggage?: string };
  /** stream retention the front node was configured with, so both sides trim alike */
  retention: { maxEvents: number; ttlMs: number };
}

/** A job name is the tool name; BullMQ shows it in dashboards. */
export function jobName(job: ToolCallJob): string {
  return job.tool;
}

/** Job ids are the stream ids: globally unique random strings, so a cancel can name the job without a lookup. */
export function jobIdFor(job: ToolCallJob): string {
  return job.streamId;
}
