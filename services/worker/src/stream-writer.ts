// Appends one job attempt's messages to its stream. Each append carries the writer's id and a sequence number, so a
// command resent after a reconnect — by ioredis, or by the retry loop below — is applied once (append-event-3.lua);
// and the attempt's fence, so it is refused once a later attempt of the job has written.
import type { Redis } from 'ioredis';
import {
  appendEvent,
  eraOf,
  isRedisOutage,
  randomId,
  requestField,
  type CallJob,
  type EventKind,
  type FleetError,
  type FleetKeys,
} from '@mcp-fleet/shared';
import { LeaseLostError } from './job-leases.ts';

/** How an attempt's writes are held to its lease on the job. */
export interface AttemptGuard {
  attempt: number;
  /** false once the job's lock may have been taken over: writing stops */
  held(): boolean;
  /** the stream is gone: nobody can ever read what this job writes */
  gone(): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class StreamWriter {
  private seq = 0;
  private readonly writer: string;
  /** when this writer last touched its stream (its TTL was refreshed then) */
  lastWriteAt = performance.now();

  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly job: CallJob,
    /** absent for a writer that is not a job attempt (answering a call whose workers all stopped) */
    private readonly guard?: AttemptGuard,
  ) {
    // One writer per job attempt: a retried job is a new writer, kept in line by the fence, the done flag and the
    // progress guard. The runs of one attempt (a parked job runs again from the start) share the writer and its
    // numbering, so what a re-run writes again up to where it parked is dropped as a duplicate.
    this.writer = guard ? `${job.jobId}:${guard.attempt}` : `${job.jobId}:${randomId(6)}`;
  }

  /** The sequence number of this writer's last append (attempted, whether or not it was new). */
  get position(): number {
    return this.seq;
  }

  /** Continues numbering after `seq`: what an earlier run of this attempt wrote up to a question it asked. */
  skipTo(seq: number): void {
    this.seq = Math.max(this.seq, seq);
  }

  /**
   * Appends one event, retrying through a Redis outage for as long as the attempt holds the job. Returns false when
   * the event was not appended (duplicate, stream already ended, a later attempt wrote, or the stream is gone).
   */
  async append(kind: EventKind, message: unknown, progress?: number): Promise<boolean> {
    const s = this.job.session;
    const args = {
      stream: this.keys.stream(s, this.job.streamId),
      meta: this.keys.streamMeta(s, this.job.streamId),
      inflight: this.keys.inflight(s),
      kind,
      data: message === undefined ? '' : JSON.stringify(message),
      writer: this.writer,
      writerSeq: ++this.seq,
      progress,
      maxLen: this.job.retention.maxEvents,
      // A shared stream (HTTP+SSE) lives as long as its session's lease: the job's appends do not extend it.
      ttlMs: this.job.sharedStream ? 0 : this.ttlMs,
      requestField: requestField(this.job.requestId),
      fence: this.guard && { jobId: this.job.jobId, attempt: this.guard.attempt },
    };
    for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
      if (this.guard && !this.guard.held()) throw new LeaseLostError();
      try {
        const r = await appendEvent(this.redis, args);
        this.lastWriteAt = performance.now();
        if (r === -1) this.guard?.gone();
        return r > 0;
      } catch (err) {
        if (!isRedisOutage(err)) throw err;
        await sleep(delay);
      }
    }
  }

  /**
   * Keeps a silent call's stream alive (a tool may run longer than the stream TTL), and notices when it is gone.
   * A session's shared stream (HTTP+SSE) lives on its session's lease: it is only looked at, never extended.
   */
  async keepAlive(): Promise<boolean> {
    const s = this.job.session;
    const meta = this.keys.streamMeta(s, this.job.streamId);
    const m = this.redis.multi();
    if (this.job.sharedStream) m.exists(meta);
    else m.pexpire(meta, this.ttlMs).pexpire(this.keys.stream(s, this.job.streamId), this.ttlMs);
    const replies = await m.exec();
    this.lastWriteAt = performance.now();
    const metaAlive = replies?.[0]?.[1] === 1;
    if (!metaAlive) this.guard?.gone();
    return metaAlive;
  }

  get ttlMs(): number {
    return this.job.sharedStream ? this.job.retention.sessionTtlMs : this.job.retention.ttlMs;
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
