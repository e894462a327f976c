// Turns tool calls into BullMQ jobs, and cancellations into messages to whichever worker runs the job.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  appendEvent, jobIdFor, jobName, openStream, randomId,
  type FleetKeys, type SessionRef, type ToolCallJob, type JsonRpcId,
} from '@mcp-fleet/shared';

export class Dispatcher {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly nodeId: string,
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
   * Opens the request's stream and enqueues its job. The stream is created first (same connection, so Redis runs
   * the two in order): the worker's first append must find it. Returns false when the session vanished meanwhile.
   */
  async enqueue(queueName: string, job: ToolCallJob): Promise<boolean> {
    const opened = openStream(
      this.redis,
      {
        meta: this.keys.streamMeta(job.session, job.streamId),
        inflight: this.keys.inflight(job.session),
        session: this.keys.session(job.session),
      },
      job.retention.ttlMs,
      requestField(job.requestId),
      job.streamId,
    );
    const added = this.queue(queueName).add(jobName(job), job, {
      jobId: jobIdFor(job),
      removeOnComplete: true,
      removeOnFail: { age: 3600, count: 10_000 },
    });
    const [ok] = await Promise.all([opened, added]);
    return ok;
  }

  /** notifications/cancelled: finds the request's job and tells every worker; unknown or finished → nothing. */
  async cancel(session: SessionRef, requestId: JsonRpcId): Promise<boolean> {
    const streamId = await this.redis.hget(this.keys.inflight(session), requestField(requestId));
    if (!streamId) return false;
    await this.redis.publish(this.keys.cancelChannel(), streamId);
    return true;
  }

  /** Ends streams with no message (session deleted): their readers close, and late results are refused. */
  async endStreams(session: SessionRef, streamIds: string[], retention: { maxEvents: number; ttlMs: number }): Promise<void> {
    const writer = `front:${this.nodeId}:${randomId(6)}`;
    await Promise.all(
      streamIds.map(async (streamId) => {
        await this.redis.publish(this.keys.cancelChannel(), streamId);
        await appendEvent(this.redis, {
          stream: this.keys.stream(session, streamId),
          meta: this.keys.streamMeta(session, streamId),
          inflight: this.keys.inflight(session),
          kind: 'e',
          data: '',
          writer,
          writerSeq: 1,
          maxLen: retention.maxEvents,
          ttlMs: retention.ttlMs,
          channel: this.keys.streamChannel(session, streamId),
        });
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}

/** In-flight hash fields are JSON-encoded ids, so the request id 1 and "1" stay distinct. */
export function requestField(id: JsonRpcId): string {
  return JSON.stringify(id);
}
