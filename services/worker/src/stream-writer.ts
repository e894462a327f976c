// Appends one job's messages to its request stream. Each append carries this writer's id and a sequence number,
// so a command that ioredis resends after a reconnect is applied once (see append-event-3.lua).
import type { Redis } from 'ioredis';
import { appendEvent, randomId, type EventKind, type FleetKeys, type ToolCallJob } from '@mcp-fleet/shared';

export class StreamWriter {
  private seq = 0;
  private readonly writer: string;

  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly job: ToolCallJob,
  ) {
    // One writer per job attempt: a retried job is a new writer, kept in line by the done flag and progress guard.
    this.writer = `${job.streamId}:${randomId(6)}`;
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
      ttlMs: this.job.retention.ttlMs,
      channel: this.keys.streamChannel(s, this.job.streamId),
      requestField: JSON.stringify(this.job.requestId),
    });
    return r > 0;
  }

  notification(method: string, params: Record<string, unknown>, progress?: number): Promise<boolean> {
    return this.append('m', { jsonrpc: '2.0', method, params }, progress);
  }

  /** The response to the call; the stream ends after it. */
  result(result: unknown): Promise<boolean> {
    return this.append('f', { jsonrpc: '2.0', id: this.job.requestId, result });
  }

  /** Ends the stream with no response (cancelled). */
  end(): Promise<boolean> {
    return this.append('e', undefined);
  }
}
