// Turns calls into BullMQ jobs, and cancellations and client answers into messages to whichever worker runs the job.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  appendEvent,
  jobName,
  openStream,
  randomId,
  requestField,
  sessionMember,
  type CallJob,
  type FleetKeys,
  type JsonRpcId,
  type SessionRef,
} from '@mcp-fleet/shared';
import { requestDigest } from '../protocol/request-digest.ts';

export type EnqueueResult =
  | { kind: 'started' }
  /** the request's id is in flight already: `sameRequest` when it is the same method, target and arguments */
  | { kind: 'duplicate'; jobId: string; sameRequest: boolean };

/** How long a job missing behind an in-flight entry is waited for before the entry counts as an orphan. */
const ORPHAN_CHECKS = 10;
const ORPHAN_CHECK_MS = 100;

export class Dispatcher {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly nodeId: string,
    /** how long a client's answer waits for its job to take it */
    private readonly answerTtlMs: number,
  ) {}

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      // The Queue reuses our command connection: a front node's connection count stays constant.
      q = new Queue(name, { connection: this.redis, prefix: this.keys.bullPrefix() });
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
  async enqueue(queueName: string, job: CallJob, wakeChannel: string): Promise<EnqueueResult> {
    const keys = { meta: this.keys.streamMeta(job.session, job.streamId), inflight: this.keys.inflight(job.session) };
    const field = requestField(job.requestId);
    const digest = job.sharedStream ? '' : requestDigest(job.method, job.target, job.params);
    const open = (takeOver: boolean) =>
      openStream(this.redis, keys, {
        ttlMs: job.sharedStream ? job.retention.sessionTtlMs : job.retention.ttlMs,
        requestField: field,
        jobId: job.jobId,
        wakeChannel,
        digest,
        takeOver,
      });
    const existing = await open(false);
    if (existing) {
      const other = await this.inFlight(queueName, job, existing);
      if (other) return { kind: 'duplicate', jobId: existing, sameRequest: other.digest === digest && digest !== '' };
      await open(true); // the entry was stale: its call is over
    }
    try {
      await this.queue(queueName).add(jobName(job), job, {
        jobId: job.jobId,
        removeOnComplete: true,
        removeOnFail: { age: 3600, count: 10_000 },
      });
    } catch (err) {
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

  /**
   * The call still running under an in-flight entry, or undefined when the entry is stale: its stream is gone or
   * finished, or its job does not exist — the node that opened the stream died before it enqueued the job. (That
   * node may also be a moment away from enqueueing it: a missing job is looked for again for a short while.)
   */
  private async inFlight(queueName: string, job: CallJob, jobId: string): Promise<{ digest: string } | undefined> {
    // A request's own stream has the job's id; a job on a session's shared stream writes to that stream.
    const streamId = jobId.includes('.') ? jobId.slice(0, jobId.indexOf('.')) : jobId;
    const [h, done, seq] = await this.redis.hmget(this.keys.streamMeta(job.session, streamId), 'h', 'done', 'seq');
    if (seq === null || (done !== null && !jobId.includes('.'))) return undefined;
    for (let i = 0; i < ORPHAN_CHECKS; i++) {
      const state = await this.queue(queueName).getJobState(jobId);
      if (state !== 'unknown') return { digest: h ?? '' };
      await new Promise((r) => setTimeout(r, ORPHAN_CHECK_MS));
    }
    return undefined;
  }

  /** notifications/cancelled: finds the request's job and tells every worker; unknown or finished → nothing. */
  async cancel(session: SessionRef, requestId: JsonRpcId): Promise<boolean> {
    const jobId = await this.redis.hget(this.keys.inflight(session), requestField(requestId));
    if (!jobId) return false;
    await this.redis.publish(this.keys.cancelChannel(), jobId);
    return true;
  }

  /**
   * The client answered a question of a running job (elicitation, sampling, roots; by POST or an MRTR retry): store
   * the answer where the waiting job takes it, whichever worker runs it, and wake the workers. False when nothing
   * waits for it (timed out, unknown id).
   */
  async deliverAnswer(session: SessionRef, id: string, message: unknown): Promise<boolean> {
    if (!(await this.redis.hexists(this.keys.pendingServerRequests(session), id))) return false;
    await this.redis
      .multi()
      .set(this.keys.serverRequestReply(session, id), JSON.stringify(message), 'PX', this.answerTtlMs)
      .publish(this.keys.replyChannel(), `${sessionMember(session)} ${id}`)
      .exec();
    return true;
  }

  /** Tells every worker to abort a job (a no-op where it does not run). */
  async cancelJob(jobId: string): Promise<void> {
    await this.redis.publish(this.keys.cancelChannel(), jobId);
  }

  /** Session deleted: cancels its jobs and ends its streams with no message (readers close, late results refused). */
  async endSession(
    session: SessionRef,
    jobIds: string[],
    streamIds: string[],
    retention: { maxEvents: number; ttlMs: number },
  ) {
    const writer = `front:${this.nodeId}:${randomId(6)}`;
    const p = this.redis.pipeline();
    for (const jobId of jobIds) p.publish(this.keys.cancelChannel(), jobId);
    await p.exec();
    await Promise.all(
      streamIds.map((streamId) =>
        appendEvent(this.redis, {
          stream: this.keys.stream(session, streamId),
          meta: this.keys.streamMeta(session, streamId),
          inflight: this.keys.inflight(session),
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

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
