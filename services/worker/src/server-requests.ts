// Server→client requests from running handlers (elicitation, sampling, roots; DESIGN invariant 8).
//
// The request is a message on the call's stream. The client's answer is a POST that lands on any front node, which
// stores it under a per-request key and announces it on one channel every worker listens to. The waiting worker
// takes it with GETDEL. Answers are kept in Redis, not only published, so a worker whose subscriber reconnects
// re-checks every request it waits for and nothing is lost.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { parseSessionMember, type CallJob, type FleetKeys } from '@mcp-fleet/shared';
import type { StreamWriter } from './stream-writer.ts';

export class ServerRequestError extends Error {
  override name = 'ServerRequestError';
  constructor(
    message: string,
    readonly code?: number,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/** The tool asked the client for something the client did not declare it can do. */
export class MissingCapabilityError extends ServerRequestError {
  override name = 'MissingCapabilityError';
  constructor(
    readonly capability: Record<string, unknown>,
    what: string,
  ) {
    super(`the client did not declare the ${what} capability, so it cannot be asked`);
  }
}

interface Waiter {
  resolve(answer: { result?: unknown; error?: { code: number; message: string; data?: unknown } }): void;
}

export class ServerRequests {
  private readonly waiting = new Map<string, Waiter>();
  private counter = 0;

  constructor(
    private readonly redis: Redis,
    subscriber: Redis,
    private readonly keys: FleetKeys,
    private readonly log: Logger,
  ) {
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== keys.replyChannel()) return;
      const sp = message.lastIndexOf(' ');
      const ref = parseSessionMember(message.slice(0, sp));
      if (!ref) return;
      const key = keys.serverRequestReply(ref, message.slice(sp + 1));
      if (this.waiting.has(key)) void this.collect(key);
    });
    subscriber.on('ready', () => {
      for (const key of this.waiting.keys()) void this.collect(key);
    });
  }

  async subscribe(subscriber: Redis): Promise<void> {
    await subscriber.subscribe(this.keys.replyChannel());
  }

  async send(
    job: CallJob,
    writer: StreamWriter,
    method: string,
    params: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<unknown> {
    // Unique per session across every node: the job id is globally unique.
    const id = `srv-${job.jobId}-${++this.counter}`;
    const key = this.keys.serverRequestReply(job.session, id);
    const pending = this.keys.pendingServerRequests(job.session);
    const timeoutMs = job.retention.serverRequestTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const answer = new Promise<{ result?: unknown; error?: { code: number; message: string; data?: unknown } }>(
      (resolve, reject) => {
        this.waiting.set(key, { resolve });
        timer = setTimeout(
          () => reject(new ServerRequestError(`the client did not answer ${method} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
      },
    );
    try {
      await this.redis.multi().hset(pending, id, job.jobId).pexpire(pending, job.retention.sessionTtlMs).exec();
      await writer.request(id, method, params);
      void this.collect(key); // an answer that raced ahead of the wait
      const a = await answer;
      if (a.error)
        throw new ServerRequestError(
          `the client answered ${method} with an error: ${a.error.message}`,
          a.error.code,
          a.error.data,
        );
      return a.result;
    } catch (err) {
      if (err instanceof ServerRequestError && err.code === undefined && !signal.aborted) {
        // Timed out: tell the client to stop (spec, lifecycle timeouts).
        await writer.notification('notifications/cancelled', { requestId: id, reason: err.message }).catch(() => {});
      }
      throw err;
    } finally {
      clearTimeout(timer);
      if (onAbort) signal.removeEventListener('abort', onAbort);
      this.waiting.delete(key);
      await this.redis
        .multi()
        .hdel(pending, id)
        .del(key)
        .exec()
        .catch(() => {});
    }
  }

  private async collect(key: string): Promise<void> {
    try {
      const raw = await this.redis.getdel(key);
      if (raw === null) return;
      const waiter = this.waiting.get(key);
      if (!waiter) return;
      const msg = JSON.parse(raw) as { result?: unknown; error?: { code: number; message: string } };
      waiter.resolve(msg);
    } catch (err) {
      this.log.warn({ key, err: (err as Error).message }, 'reading a client answer failed');
    }
  }
}
