// Appends one job's messages to its stream. Each append carries this writer's id and a sequence number, so a
// command that ioredis resends after a reconnect is applied once (see append-event-3.lua).
import type { Redis } from 'ioredis';
import {
  appendEvent,
  eraOf,
  randomId,
  requestField,
  type CallJob,
  type EventKind,
  type FleetError,
  type FleetKeys,
} from '@mcp-fleet/shared';

export class StreamWriter {
  private seq = 0;
  private readonly writer: string;

  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly job: CallJob,
  ) {
    // One writer per job attempt: a retried job is a new writer, kept in line by the done flag and progress guard.
    this.writer = `${job.jobId}:${randomId(6)}`;
  }

  /** Returns false when the event was not appended (duplicate, stream already ended, or stream gone). */
  async append(kind: EventKind, message: unknown, progress?: number): Promise<boolean> {
    const s = this.job.session;
    const r = await appendEvent(this.redis, {
      stream: this.keys.stream(s, this.job.streamId),
      meta: this.keys.streamMeta(s, this.job.streamId),
      inflight: this.keys.inflight(s),
      kind,
      data: message === undefined ? '' : JSON.stringify(message),
      writer: this.writer,
      writerSeq: ++this.seq,
      progress,
      maxLen: this.job.retention.maxEvents,
      ttlMs: this.job.sharedStream ? this.job.retention.sessionTtlMs : this.job.retention.ttlMs,
      requestField: requestField(this.job.requestId),
    });
    return r > 0;
  }

  notification(method: string, params: Record<string, unknown>, progress?: number): Promise<boolean> {
    return this.append('message', { jsonrpc: '2.0', method, params }, progress);
  }

  /** A server→client request (2025 era), on the call's stream: it relates to the call. */
  request(id: string, method: string, params: Record<string, unknown>): Promise<boolean> {
    return this.append('message', { jsonrpc: '2.0', id, method, params });
  }

  /** Questions for a 2026-07-28 client, answered by its retry (MRTR). */
  inputRequests(requests: Record<string, { method: string; params: Record<string, unknown> }>): Promise<boolean> {
    return this.append('inputRequests', { inputRequests: requests });
  }

  /** The response to the call; a request's own stream ends after it. */
  result(result: unknown): Promise<boolean> {
    return this.append(this.responseKind(), { jsonrpc: '2.0', id: this.job.requestId, result });
  }

  /** A JSON-RPC error response to the call, from the catalogue (in the call's era). */
  error(err: FleetError): Promise<boolean> {
    return this.append(this.responseKind(), err.toJsonRpc(this.job.requestId));
  }

  /** Ends the call with no response (cancelled): a request's own stream ends; a shared stream goes on. */
  async end(): Promise<void> {
    if (this.job.sharedStream) {
      await this.redis.hdel(this.keys.inflight(this.job.session), requestField(this.job.requestId));
      return;
    }
    await this.append('end', undefined);
  }

  get era() {
    return eraOf(this.job.protocolVersion);
  }

  private responseKind(): EventKind {
    return this.job.sharedStream ? 'sharedResponse' : 'response';
  }
}
