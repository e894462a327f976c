// Turns calls into BullMQ jobs, and cancellations and client answers into messages to whichever worker runs the job.
import { Queue } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import type { Redis } from 'ioredis';
import {
  FleetError,
  answerQuestion,
  appendEvent,
  fleetMetrics,
  jobName,
  openStream,
  queueNames,
  queueOfSession,
  randomId,
  requestField,
  streamOfJob,
  tracingEnabled,
  type CallJob,
  type FleetConfig,
  type QueueDepth,
  type FleetKeys,
  type JsonRpcId,
  type SessionRef,
  type StreamLease,
  type SessionCheck,
  type CheckedSession,
  type LogLevel,
} from '@mcp-fleet/shared';
import type { ToolLimits } from '../catalog/catalog.ts';
import { requestDigest } from '../protocol/request-digest.ts';
import { Admission } from './admission.ts';
import { CallQuota } from '../quotas/call-quota.ts';

/** Where a recalled session is checked and learnt (SessionStore). */
export interface RecalledSessions {
  check(ref: SessionRef): SessionCheck;
  checked(ref: SessionRef, found: CheckedSession | undefined): LogLevel | undefined;
}

export type EnqueueResult =
  | { kind: 'started' }
  /** the request's id is in flight already: `sameRequest` when it is the same method, target and arguments */
  | { kind: 'duplicate'; jobId: string; sameRequest: boolean };

/** How long a job missing behind an in-flight entry is waited for before the entry counts as an orphan. */
const ORPHAN_CHECKS = 10;
const ORPHAN_CHECK_MS = 100;
/** How long a principal refused a quota (calls in flight, streams per session) has its calls enqueued one step later. */
const REFUSED_LATELY_MS = 1000;
/** How long a refused job is waited for to leave BullMQ before it is enqueued again (readdIfRefused). */
const REFUSED_JOB_CHECKS = 100;
const REFUSED_JOB_CHECK_MS = 20;

export class Dispatcher {
  private readonly queues = new Map<string, Queue>();
  private readonly admission: Admission;
  /** calls in flight per principal (MAX_CALLS_IN_FLIGHT_PER_PRINCIPAL) */
  readonly calls: CallQuota;
  /** Redis Cluster: sharded pub/sub, and the work spread over QUEUE_SHARDS queues */
  private readonly sharded: boolean;
  private readonly shards: number;

  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly nodeId: string,
    config: FleetConfig,
  ) {
    this.admission = new Admission(redis, keys, config.QUEUE_MAX_WAITING, (name) => this.queue(name));
    this.calls = new CallQuota(config, redis, keys, (name) => this.queue(name));
    this.sharded = config.REDIS_MODE === 'cluster';
    this.shards = config.QUEUE_SHARDS;
  }

  /** The queue of a base queue (a catalog entry's) that carries this session's calls (shared/src/queues.ts). */
  queueFor(base: string, session: SessionRef): string {
    return queueOfSession({ base, shards: this.shards, cluster: this.sharded }, session);
  }

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      // The Queue reuses our command connection: a front node's connection count stays constant.
      // With tracing on, BullMQ's own spans (enqueue here, process on the worker) carry the trace across the queue.
      q = new Queue(name, {
        connection: this.redis,
        prefix: this.keys.bullPrefix(),
        ...(tracingEnabled() && { telemetry: new BullMQOtel({ tracerName: 'mcp-fleet' }) }),
      });
      q.on('error', () => {});
      this.queues.set(name, q);
    }
    return q;
  }

  /**
   * Opens the job's stream, then enqueues the job — unless the request's id is already in flight in the session
   * (JSON-RPC ids are unique among a session's requests in progress): then nothing is enqueued and the job already
   * running under that id is returned, with whether it runs the same request (a client retrying a request whose
   * answer it lost) or another one. The stream is opened first so that the worker's first append always finds it
   * and knows which node to wake (`wakeChannel`; '' leaves the stream's current one, as for a shared stream).
   * When enqueueing fails (Redis went away, a payload BullMQ refuses), the opened stream is withdrawn again.
   */
  async enqueue(
    baseQueue: string,
    job: CallJob,
    wakeChannel: string,
    limits?: ToolLimits,
    lease?: StreamLease,
    /** the session was recalled, not read: checked as the stream opens (session-store.ts, "Recalled sessions") */
    recalled?: RecalledSessions,
  ): Promise<EnqueueResult> {
    const queueName = this.queueFor(baseQueue, job.session);
    const keys = { meta: this.keys.streamMeta(job.session, job.streamId), inflight: this.keys.inflight(job.session) };
    const field = requestField(job.requestId);
    const digest = job.sharedStream ? '' : requestDigest(job.method, job.target, job.params);
    // The principal's count is taken by the same script unless a Redis Cluster keeps it in another slot.
    const quota = this.sharded ? undefined : this.calls.quotaArgs(job.session.principal, queueName, job.jobId);
    const open = (takeOver: boolean) =>
      openStream(this.redis, keys, {
        ttlMs: job.sharedStream ? job.retention.sessionTtlMs : job.retention.ttlMs,
        requestField: field,
        jobId: job.jobId,
        wakeChannel,
        digest,
        takeOver,
        lease,
        quota,
        session: recalled?.check(job.session),
      });
    // The job goes out with the opening of its stream, in the same write, when nothing else has to be decided in
    // between: Redis runs the two in that order on this one connection, and a job whose opening refused does not
    // run (start-run-3.lua) — one round trip less for every call. Not over a Redis Cluster (the queue's keys are on
    // another shard: no order between the two), nor for a tool whose queued calls are counted, a task, or a principal
    // this node refused a moment ago (a caller at its quota would otherwise send jobs only to have them refused).
    const together =
      !this.sharded && limits?.maxQueued === undefined && !job.task && !this.refusedLately(job.session.principal);
    if (together) await this.admission.admit(queueName, job, limits);
    /** the job, sent with the first opening: settles to the error that kept it from being enqueued, if one did */
    let sent: Promise<Error | undefined> | undefined;
    // Opened, or: a request with this id in flight (a duplicate, or a stale entry to take over), the principal at
    // its quota (calls whose jobs ended without being uncounted are dropped once, then it is a refusal), or the
    // session at its streams' limit.
    let takeOver = false;
    let pruned = false;
    for (;;) {
      // BullMQ writes the job a few promise turns after the opening: held until the turn ends, both go in one write.
      const socket = together && !sent ? this.redis.stream : undefined;
      socket?.cork();
      if (socket) setImmediate(() => socket.uncork());
      const opening = open(takeOver);
      if (together && !sent)
        sent = this.add(queueName, job, limits).then(
          () => undefined,
          (err: Error) => err,
        );
      const opened = await opening;
      if (recalled) {
        // The session as Redis has it now: gone → 404; its log level may have been set on another node.
        if (opened.kind === 'noSession') {
          recalled.checked(job.session, undefined);
          throw new FleetError('SESSION_NOT_FOUND', { id: job.requestId });
        }
        job.logLevel = recalled.checked(job.session, opened.session);
        recalled = undefined;
      }
      if (opened.kind === 'opened') break;
      if (opened.kind === 'noSession') throw new FleetError('SESSION_NOT_FOUND', { id: job.requestId });
      if (opened.kind === 'tooManyStreams') {
        this.refused(job.session.principal);
        throw this.streamsRefusal(job, lease!, opened.waitMs);
      }
      if (opened.kind === 'inFlight') {
        const other = await this.inFlight(queueName, job, opened.jobId);
        if (other) {
          return { kind: 'duplicate', jobId: opened.jobId, sameRequest: other.digest === digest && digest !== '' };
        }
        takeOver = true; // the entry was stale: its call is over
      } else if (pruned) {
        this.refused(job.session.principal);
        throw this.calls.refusal(job.requestId);
      } else {
        await this.calls.prune(job.session.principal);
        pruned = true;
      }
    }
    try {
      if (sent) {
        // Sent with the first opening. If that one refused and a second try opened (a stale entry taken over, the
        // quota pruned), the job's first run may have been refused in between: then it is enqueued again.
        const failed = await sent;
        if (failed) throw failed;
        if (takeOver || pruned) await this.readdIfRefused(queueName, job, limits);
      } else {
        if (!quota) await this.calls.take(job.session.principal, queueName, job.jobId);
        await this.admission.admit(queueName, job, limits);
        await this.add(queueName, job, limits);
      }
    } catch (err) {
      await this.calls.release(job.session.principal, queueName, job.jobId);
      await this.admission.withdraw(job);
      await this.redis
        .multi()
        .hdel(keys.inflight, field)
        .del(...(job.sharedStream ? [] : [keys.meta]))
        .exec()
        .catch(() => {});
      throw err;
    }
    return { kind: 'started' };
  }

  private add(queueName: string, job: CallJob, limits: ToolLimits | undefined): Promise<unknown> {
    return this.queue(queueName).add(jobName(job), job, {
      jobId: job.jobId,
      removeOnComplete: true,
      removeOnFail: { age: 3600, count: 10_000 },
      ...(limits?.priority !== undefined && { priority: limits.priority }),
    });
  }

  /** A job refused at its first run (start-run-3.lua marks it `ref`) is enqueued again once BullMQ let it go. */
  private async readdIfRefused(queueName: string, job: CallJob, limits: ToolLimits | undefined): Promise<void> {
    if (!(await this.redis.hexists(this.keys.run(job.session, job.jobId), 'ref'))) return;
    // The refused run ends at once and BullMQ removes the finished job (removeOnComplete); only a Redis in trouble
    // keeps it longer.
    for (let i = 0; i < REFUSED_JOB_CHECKS; i++) {
      if ((await this.queue(queueName).getJobState(job.jobId)) === 'unknown') {
        await this.add(queueName, job, limits);
        return;
      }
      await new Promise((r) => setTimeout(r, REFUSED_JOB_CHECK_MS));
    }
    throw new FleetError('REDIS_UNAVAILABLE', { id: job.requestId });
  }

  /** principal → until when its calls are enqueued after their opening, not with it (it was refused a quota) */
  private readonly refusals = new Map<string, number>();
  private refused(principal: string): void {
    if (this.refusals.size >= 10_000) this.refusals.clear();
    this.refusals.set(principal, Date.now() + REFUSED_LATELY_MS);
  }
  private refusedLately(principal: string): boolean {
    const until = this.refusals.get(principal);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.refusals.delete(principal);
    return false;
  }

  private streamsRefusal(job: CallJob, lease: StreamLease, waitMs: number): FleetError {
    fleetMetrics.quotaRejected({ reason: 'streams' });
    const retryAfterSeconds = Math.min(Math.ceil(lease.claimMs / 1000), Math.max(1, Math.ceil(waitMs / 1000)));
    return new FleetError('TOO_MANY_STREAMS', { args: [lease.limit], id: job.requestId, retryAfterSeconds });
  }

  /**
   * The call still running under an in-flight entry, or undefined when the entry is stale: its stream is gone or
   * finished, or its job does not exist — the node that opened the stream died before it enqueued the job. (That
   * node may also be a moment away from enqueueing it: a missing job is looked for again for a short while.)
   */
  private async inFlight(queueName: string, job: CallJob, jobId: string): Promise<{ digest: string } | undefined> {
    // A request's own stream has the job's id; a job on a session's shared stream writes to that stream.
    const streamId = streamOfJob(jobId);
    const [h, done, seq] = await this.redis.hmget(this.keys.streamMeta(job.session, streamId), 'h', 'done', 'seq');
    if (seq === null || (done !== null && !jobId.includes('.'))) return undefined;
    for (let i = 0; i < ORPHAN_CHECKS; i++) {
      const state = await this.queue(queueName).getJobState(jobId);
      if (state !== 'unknown') return { digest: h ?? '' };
      await new Promise((r) => setTimeout(r, ORPHAN_CHECK_MS));
    }
    return undefined;
  }

  /** notifications/cancelled: finds the request's job and cancels it; unknown or finished → nothing. */
  async cancel(session: SessionRef, requestId: JsonRpcId): Promise<boolean> {
    const jobId = await this.redis.hget(this.keys.inflight(session), requestField(requestId));
    if (!jobId) return false;
    await this.cancelJob(session, jobId);
    return true;
  }

  /**
   * The client answered a question a job asked (elicitation, sampling, roots; by POST, an MRTR retry or
   * tasks/update): records the answer in the job's run state and wakes the parked job, whichever worker takes it.
   * False when nothing waits for it (never asked, answered already, the job is over).
   */
  async deliverAnswer(ns: SessionRef, jobId: string, questionId: string, message: unknown): Promise<boolean> {
    const keys = { run: this.keys.run(ns, jobId), meta: this.keys.streamMeta(ns, streamOfJob(jobId)) };
    const queue = await answerQuestion(this.redis, keys, questionId, JSON.stringify(message));
    if (!queue) return false;
    await this.wake(queue, jobId);
    return true;
  }

  /**
   * Cancels a job wherever it is: a running one is aborted by its worker (every worker hears the broadcast); a
   * parked or queued one finds the cancellation in its run state when it next runs, which is at once.
   */
  async cancelJob(ns: SessionRef, jobId: string): Promise<void> {
    const run = this.keys.run(ns, jobId);
    // The run state first (a job that starts or resumes from now on sees it), then the broadcast to running ones —
    // separately: over a Redis Cluster the cancel channel is sharded, in a slot of its own.
    const replies = await this.redis
      .multi()
      .hset(run, 'cancel', 'cancelled by the client')
      .hget(run, 'queue')
      .pexpire(run, 3_600_000, 'NX')
      .exec();
    if (this.sharded) await this.redis.spublish(this.keys.cancelChannel(), jobId);
    else await this.redis.publish(this.keys.cancelChannel(), jobId);
    const queue = replies?.[1]?.[1];
    if (typeof queue === 'string' && queue) await this.wake(queue, jobId);
  }

  /** Moves a parked job to the front of its queue; a job that is not parked (running, queued, over) stays as it is. */
  private async wake(queue: string, jobId: string): Promise<void> {
    const job = await this.queue(queue).getJob(jobId);
    await job?.promote().catch(() => {});
  }

  /** Session deleted: cancels its jobs and ends its streams with no message (readers close, late results refused). */
  async endSession(
    session: SessionRef,
    jobIds: string[],
    streamIds: string[],
    retention: { maxEvents: number; ttlMs: number },
  ) {
    const writer = `front:${this.nodeId}:${randomId(6)}`;
    await Promise.all(jobIds.map((jobId) => this.cancelJob(session, jobId)));
    await Promise.all(
      streamIds.map((streamId) =>
        appendEvent(this.redis, {
          stream: this.keys.stream(session, streamId),
          meta: this.keys.streamMeta(session, streamId),
          inflight: this.keys.inflight(session),
          sessionStreams: this.keys.sessionStreams(session),
          kind: 'end',
          data: '',
          writer,
          writerSeq: 1,
          maxLen: retention.maxEvents,
          ttlMs: retention.ttlMs,
        }),
      ),
    );
  }

  /** Jobs per state in every queue of `main` and every queue this node has used (mcp_fleet_queue_depth). */
  async depths(main: string): Promise<QueueDepth[]> {
    const layout = { base: main, shards: this.shards, cluster: this.sharded };
    const names = new Set([...queueNames(layout), ...this.queues.keys()]);
    const states = ['wait', 'prioritized', 'delayed', 'active'] as const;
    const out: QueueDepth[] = [];
    for (const queue of names) {
      const counts = await this.queue(queue).getJobCounts(...states);
      for (const state of states) out.push({ queue, state, count: counts[state] ?? 0 });
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
