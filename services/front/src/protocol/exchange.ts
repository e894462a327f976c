// The contract between the protocol core and a transport: how one client request gets its answer back.
// Streamable HTTP answers on the POST (JSON or the request's own SSE stream); the legacy HTTP+SSE transport answers
// on the session's one SSE stream; a 2025-03-26 batch collects answers into one array.
import type { CallJob, JsonRpcId } from '@mcp-fleet/shared';

/** A job as the core builds it; the exchange decides which stream it writes to. */
export type JobRequest = Omit<CallJob, 'streamId' | 'jobId' | 'sharedStream'>;

export type JsonRpcResponse =
  | { jsonrpc: '2.0'; id: JsonRpcId; result: unknown }
  | { jsonrpc: '2.0'; id: JsonRpcId | null; error: { code: number; message: string; data?: unknown } };

export interface Exchange {
  /** Answers with a response the front computed itself. */
  reply(response: JsonRpcResponse): Promise<void>;
  /** The request runs on a worker: enqueue it on `queue` and deliver what it writes. */
  run(job: JobRequest, queue: string): Promise<void>;
}
