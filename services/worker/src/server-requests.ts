// Questions a running handler asks the client (elicitation, sampling, roots; docs/architecture.md, "Server→client
// requests").
//
// 2025 era: each question is a JSON-RPC request on the call's stream; the client's answer is a POST that lands on any
// front node. 2026-07-28: the questions of one round go out as one `inputRequests` event, which the front turns into
// an `input_required` result; the client's retry (on any node) carries the answers. Either way the answer is stored
// in Redis under a per-question key and announced on one channel every worker listens to; the waiting worker takes
// it with GETDEL. Answers are kept in Redis, not only published, so a worker whose subscriber reconnects re-checks
// every question it waits for and nothing is lost.
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
    readonly what: string,
  ) {
    super(`the client did not declare the ${what} capability, so it cannot be asked`);
  }
}

/** One question of a round: its wire name (2026-07-28 key) when the handler chose one. */
export interface Question {
  key?: string;
  method: string;
  params: Record<string, unknown>;
}

interface Answer {
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export class ServerRequests {
  private readonly waiting = new Map<string, (answer: Answer) => void>();
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

  /** Asks the questions of one round and resolves every answer's result, in order. */
  async ask(job: CallJob, writer: StreamWriter, questions: Question[], signal: AbortSignal): Promise<unknown[]> {
    if (questions.length === 0) return [];
    const modern = writer.era === 'modern';
    // 2025 era: ids unique per session across every node (the job id is globally unique). 2026-07-28: the key the
    // handler chose, unique within the call (a call's keys live in a namespace of its own).
    const ids = questions.map((q) => {
      const n = ++this.counter;
      return modern ? (q.key ?? `${q.method.split('/')[0]}-${n}`) : `srv-${job.jobId}-${n}`;
    });
    if (new Set(ids).size !== ids.length)
      throw new ServerRequestError(`two questions of one round share a key: ${ids}`);
    const replyKeys = ids.map((id) => this.keys.serverRequestReply(job.session, id));
    if (replyKeys.some((k) => this.waiting.has(k))) {
      throw new ServerRequestError(`a question with one of the keys ${ids.join(', ')} is already waiting`);
    }
    const pending = this.keys.pendingServerRequests(job.session);
    const timeoutMs = job.retention.serverRequestTimeoutMs;
    const what = questions.map((q) => q.method).join(', ');
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const answers = Promise.all(
      replyKeys.map((key) => new Promise<Answer>((resolve) => this.waiting.set(key, resolve))),
    );
    const stop = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ServerRequestError(`the client did not answer ${what} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    stop.catch(() => {}); // it may reject while the questions are still being written; the race below reports it
    try {
      const m = this.redis.multi();
      for (const id of ids) m.hset(pending, id, job.jobId);
      await m.pexpire(pending, job.retention.sessionTtlMs).exec();
      if (modern) {
        await writer.inputRequests(
          Object.fromEntries(questions.map((q, i) => [ids[i]!, { method: q.method, params: q.params }])),
        );
      } else {
        for (const [i, q] of questions.entries()) await writer.request(ids[i]!, q.method, q.params);
      }
      for (const key of replyKeys) void this.collect(key); // answers that raced ahead of the wait
      const got = await Promise.race([answers, stop]);
      return got.map((a, i) => {
        if (a.error) {
          throw new ServerRequestError(
            `the client answered ${questions[i]!.method} with an error: ${a.error.message}`,
            a.error.code,
            a.error.data,
          );
        }
        return a.result;
      });
    } catch (err) {
      if (err instanceof ServerRequestError && err.code === undefined && !signal.aborted && !modern) {
        // Timed out: tell the client to stop (spec, lifecycle timeouts). A 2026-07-28 client holds no open request.
        for (const id of ids) {
          await writer.notification('notifications/cancelled', { requestId: id, reason: err.message }).catch(() => {});
        }
      }
      throw err;
    } finally {
      clearTimeout(timer);
      if (onAbort) signal.removeEventListener('abort', onAbort);
      for (const key of replyKeys) this.waiting.delete(key);
      const m = this.redis.multi();
      for (const [i, id] of ids.entries()) m.hdel(pending, id).del(replyKeys[i]!);
      await m.exec().catch(() => {});
    }
  }

  private async collect(key: string): Promise<void> {
    try {
      const raw = await this.redis.getdel(key);
      if (raw === null) return;
      const resolve = this.waiting.get(key);
      if (!resolve) return;
      resolve(JSON.parse(raw) as Answer);
    } catch (err) {
      this.log.warn({ key, err: (err as Error).message }, 'reading a client answer failed');
    }
  }
}
