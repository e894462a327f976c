// Appends one job attempt's messages to its stream. Each append carries the writer's id and a sequence number, so a
// command resent after a reconnect — by ioredis, or by the retry loop below — is applied once (append-events-n.lua);
// and the attempt's fence, so it is refused once a later attempt of the job has written.
import type { Redis } from 'ioredis';
import {
  SPAN_ATTR,
  appendEvent,
  awaitReplicas,
  eraOf,
  fleetMetrics,
  inSpan,
  tracingEnabled,
  isRedisOutage,
  randomId,
  PARTIAL_RESULT_METHOD,
  RELATED_TASK_META,
  requestField,
  streamTtlMs,
  type CallJob,
  type EventKind,
  type FleetError,
  type FleetKeys,
  type AppendArgs,
  type CallSettlement,
  type TaskStatus,
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

/** Notifications a tool may have queued before it waits for them to be written (NOTIFICATION_WRITE_BEHIND). */
const DEFAULT_WRITE_BEHIND = 64;

/** A task status an event brings, with its message. */
type TaskChange = { status: TaskStatus; message?: string };

interface AppendOptions {
  /** a value that must increase on the stream, and the meta field that keeps it */
  guard?: { field: 'p' | 'pp'; value: number };
  task?: TaskChange;
}
/** The kinds of event that answer (or end) a call: the append settles the call with them. */
const ANSWERS = new Set<EventKind>(['response', 'end', 'sharedResponse']);
const WAITING: TaskChange = { status: 'input_required', message: 'waiting for the client to answer' };

/**
 * The status a task ends in with this result: `failed` for a tool error in the session era (2025-11-25 tasks), but
 * `completed` in 2026-07-28, whose tasks extension keeps `failed` for JSON-RPC errors.
 */
function taskOutcome(result: unknown, era: 'session' | 'modern'): TaskChange {
  const r = result as { isError?: unknown; content?: { type?: string; text?: string }[] } | undefined;
  if (era === 'session' && r?.isError === true) {
    const text = r.content?.find((c) => c.type === 'text')?.text;
    return { status: 'failed', message: text ?? 'the tool reported an error' };
  }
  return { status: 'completed' };
}

export class StreamWriter {
  private seq = 0;
  private announced = false;
  private readonly writer: string;
  private readonly target: Pick<
    AppendArgs,
    'stream' | 'meta' | 'inflight' | 'sessionStreams' | 'requestField' | 'fence'
  >;
  /** when this writer last touched its stream (its TTL was refreshed then) */
  lastWriteAt = performance.now();
  /** called after an event that changed its task's status was appended */
  onTaskStatus?: () => void;
  /** set once the call's answer was appended with its settlement (the run state and quota count settled with it) */
  settled = false;
  /** notifications written behind the tool, not yet sent */
  private readonly outbox: AppendArgs[] = [];
  private flushing?: Promise<void>;
  private failure?: unknown;

  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly job: CallJob,
    /** absent for a writer that is not a job attempt (answering a call whose workers all stopped) */
    private readonly guard?: AttemptGuard,
    /** what the call's answer settles in the same script (append-events-n.lua) */
    private readonly settlement?: CallSettlement,
    /** notifications queued, not yet written, at which a notification waits (NOTIFICATION_WRITE_BEHIND) */
    private readonly writeBehindLimit = DEFAULT_WRITE_BEHIND,
  ) {
    // One writer per job attempt: a retried job is a new writer, kept in line by the fence, the done flag and the
    // progress guard. The runs of one attempt (a parked job runs again from the start) share the writer and its
    // numbering, so what a re-run writes again up to where it parked is dropped as a duplicate.
    this.writer = guard ? `${job.jobId}:${guard.attempt}` : `${job.jobId}:${randomId(6)}`;
    const s = job.session;
    // What every append of this writer names the same way, built once (a burst of progress builds none of it).
    this.target = {
      stream: keys.stream(s, job.streamId),
      meta: keys.streamMeta(s, job.streamId),
      inflight: keys.inflight(s),
      sessionStreams: keys.sessionStreams(s),
      requestField: requestField(job.requestId),
      fence: guard && { jobId: job.jobId, attempt: guard.attempt },
    };
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
  async append(kind: EventKind, message: unknown, opts: AppendOptions = {}): Promise<boolean> {
    const { task, guard } = opts;
    // A call to a tool that requires a task becomes one before it says anything but questions (2026-07-28).
    if (kind !== 'inputRequests' && kind !== 'task' && this.job.task?.support === 'required') await this.announce();
    const t = this.target;
    // Built field by field, in one shape for every event: an object literal that spreads `target` and then adds
    // this many fields cost ~15 µs per event here (V8 built it the slow way, and later reads of it were slow too),
    // against ~1.4 µs written out (bench/micro/writer-fanout.ts measures the path).
    const args: AppendArgs = {
      stream: t.stream,
      meta: t.meta,
      inflight: t.inflight,
      sessionStreams: t.sessionStreams,
      requestField: t.requestField,
      fence: t.fence,
      settle: ANSWERS.has(kind) ? this.settlement : undefined,
      kind,
      data: message === undefined ? '' : JSON.stringify(message),
      // The announcement keeps out of the writer's numbering (it may come from a timer, at any point between the
      // handler's writes): a writer of its own, which announces once.
      writer: kind === 'task' ? `${this.writer}:task` : this.writer,
      writerSeq: kind === 'task' ? 1 : ++this.seq,
      progress: guard?.value,
      // A session's shared stream (HTTP+SSE) carries many calls: each keeps its own progress.
      progressField: guard && (this.job.sharedStream ? `${guard.field}:${this.job.jobId}` : guard.field),
      maxLen: this.job.retention.maxEvents,
      // A shared stream (HTTP+SSE) lives as long as its session's lease: the job's appends do not extend it.
      ttlMs: this.job.sharedStream ? 0 : this.ttlMs,
      task: this.job.task && task,
    };
    // Notifications (progress, logs, partial results) are written behind the tool: it goes on while they are on
    // their way, in order, a burst in one script call. Anything else waits until they are in the stream.
    if (kind === 'message' && !task) return this.writeBehind(args);
    await this.flushed();
    return this.traced(kind, () => this.appendWithRetries(args));
  }

  /** A `stream append` span around a write, when tracing is on. */
  private traced<T>(kind: EventKind, write: () => Promise<T>): Promise<T> {
    if (!tracingEnabled()) return write();
    const attributes = () => ({ [SPAN_ATTR.stream]: this.job.streamId, [SPAN_ATTR.kind]: kind });
    return inSpan('stream append', { attributes }, write);
  }

  /**
   * Queues a notification behind the ones on their way; true once queued. The tool waits only when
   * NOTIFICATION_WRITE_BEHIND are queued (backpressure); a failure to write (the lease lost, a bad command) is thrown by its next write.
   */
  private async writeBehind(args: AppendArgs): Promise<boolean> {
    if (this.failure) throw this.failure;
    this.outbox.push(args);
    this.flushing ??= this.flushOutbox().finally(() => {
      this.flushing = undefined;
    });
    if (this.outbox.length >= this.writeBehindLimit) await this.flushed();
    return true;
  }

  /** Resolves once every queued notification is in the stream; throws what stopped them. */
  async flushed(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.failure) throw this.failure;
  }

  private async flushOutbox(): Promise<void> {
    while (this.outbox.length && !this.failure) {
      // Taken together and sent in one tick: the connection's batcher puts them in one script call, in order. A
      // resend after an outage sends them all again in order; those that landed come back as duplicates.
      const group = this.outbox.splice(0, this.outbox.length);
      try {
        await this.appendGroupWithRetries(group);
      } catch (err) {
        this.failure = err;
        this.outbox.length = 0;
      }
    }
  }

  private async appendGroupWithRetries(group: AppendArgs[]): Promise<void> {
    const landed = new Set<number>();
    for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
      if (this.guard && !this.guard.held()) throw new LeaseLostError();
      const replies = await Promise.allSettled(group.map((a) => this.traced(a.kind, () => appendEvent(this.redis, a))));
      this.lastWriteAt = performance.now();
      let outage = false;
      for (const [i, r] of replies.entries()) {
        if (r.status === 'rejected') {
          if (!isRedisOutage(r.reason)) throw r.reason;
          outage = true;
        } else if (r.value === -1) this.guard?.gone();
        else if (r.value > 0 && !landed.has(i)) {
          landed.add(i);
          fleetMetrics.streamAppend();
        }
      }
      if (!outage) {
        if (landed.size) await awaitReplicas(this.redis);
        return;
      }
      await sleep(delay);
    }
  }

  private async appendWithRetries(args: AppendArgs): Promise<boolean> {
    // Set once the append landed: a resend after an unacknowledged replication finds it (0, a duplicate) and is
    // still this append's success.
    let appended = false;
    for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
      if (this.guard && !this.guard.held()) throw new LeaseLostError();
      try {
        const r = await appendEvent(this.redis, args);
        this.lastWriteAt = performance.now();
        if (r === -1) this.guard?.gone();
        if (r > 0 && !appended) {
          appended = true;
          if (args.settle) this.settled = true;
          fleetMetrics.streamAppend();
        }
        if (appended) await awaitReplicas(this.redis);
        if (appended && args.task) this.onTaskStatus?.();
        return appended;
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
    return streamTtlMs(this.job);
  }

  /** A notification on the call's stream; `progress`: a progress value, kept strictly increasing. */
  notification(method: string, params: Record<string, unknown>, progress?: number): Promise<boolean> {
    const guard = progress === undefined ? undefined : { field: 'p' as const, value: progress };
    return this.append('message', { jsonrpc: '2.0', method, params }, { guard });
  }

  /** A partial-result chunk; its numbers are kept strictly increasing, across a retried attempt too. */
  partial(params: { seq: number } & Record<string, unknown>): Promise<boolean> {
    const message = { jsonrpc: '2.0', method: PARTIAL_RESULT_METHOD, params };
    return this.append('message', message, { guard: { field: 'pp', value: params.seq } });
  }

  /** A server→client request (2025 era), on the call's stream: it relates to the call (and to its task). */
  request(id: string, method: string, params: Record<string, unknown>): Promise<boolean> {
    const taskId = this.job.task?.id;
    const withTask = taskId
      ? { ...params, _meta: { ...(params._meta as object), [RELATED_TASK_META]: { taskId } } }
      : params;
    return this.append('message', { jsonrpc: '2.0', id, method, params: withTask }, { task: WAITING });
  }

  /** Questions for a 2026-07-28 client: answered by its retry (MRTR), or by tasks/update once the call is a task. */
  inputRequests(requests: Record<string, { method: string; params: Record<string, unknown> }>): Promise<boolean> {
    return this.append('inputRequests', { inputRequests: requests }, { task: WAITING });
  }

  /** The response to the call; a request's own stream ends after it. */
  result(result: unknown): Promise<boolean> {
    return this.append(
      this.responseKind(),
      { jsonrpc: '2.0', id: this.job.requestId, result },
      { task: taskOutcome(result, this.era) },
    );
  }

  /** A JSON-RPC error response to the call, from the catalogue (in the call's era). */
  error(err: FleetError): Promise<boolean> {
    return this.append(this.responseKind(), err.toJsonRpc(this.job.requestId), {
      task: { status: 'failed', message: err.message },
    });
  }

  /** Ends the call with no response (cancelled): a request's own stream ends; a shared stream goes on. */
  async end(): Promise<void> {
    if (this.job.sharedStream) {
      await this.flushed();
      await this.redis.hdel(this.keys.inflight(this.job.session), requestField(this.job.requestId));
      return;
    }
    await this.append('end', undefined, { task: { status: 'cancelled', message: 'cancelled' } });
  }

  /**
   * 2026-07-28: the call becomes a task — the front node following it answers CreateTaskResult, and the call goes on.
   * Once per run; a call that was a task from the start (2025-11-25), or is not a task's, has nothing to announce.
   */
  async announce(): Promise<void> {
    if (!this.job.task || this.job.task.announced || this.announced) return;
    this.announced = true;
    await this.append('task', {});
  }

  get era() {
    return eraOf(this.job.protocolVersion);
  }

  private responseKind(): EventKind {
    return this.job.sharedStream ? 'sharedResponse' : 'response';
  }
}
