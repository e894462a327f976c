// A job's durable state across its runs, in the run hash (keys.ts, `run`). A job that asks the client something
// parks: it records the question, gives its worker slot back (BullMQ moveToDelayed) and runs again from the start
// when the answer arrives, or when the question's deadline passes. The run hash is what carries over: the attempt,
// the questions asked and their answers, and the results of memoized steps (`ctx.step`).
import type { Redis } from 'ioredis';
import { requestField, startRun, streamTtlMs, type CallJob, type FleetKeys, type RunStart } from '@mcp-fleet/shared';

/** A question as recorded when it was asked. */
export interface AskedQuestion {
  /** method (elicitation/create, sampling/createMessage, roots/list) */
  m: string;
  /** the writer's sequence once the question was on the stream: a re-run continues numbering from there */
  s: number;
  /** when the question stops waiting (ms since the epoch) */
  d: number;
  /** its params: a task shows the questions it waits for (tasks/get, tasks/result) */
  p: Record<string, unknown>;
}

/** The client's answer to a question: a JSON-RPC response, as the client sent it. */
export interface Answer {
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export class RunState {
  readonly key: string;

  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly job: CallJob,
    private readonly jobId: string,
  ) {
    this.key = keys.run(job.session, jobId);
  }

  private get ttlMs(): number {
    return streamTtlMs(this.job);
  }

  start(queue: string): Promise<RunStart> {
    const { session, requestId } = this.job;
    return startRun(
      this.redis,
      { run: this.key, inflight: this.keys.inflight(session), session: this.keys.session(session) },
      { queue, ttlMs: this.ttlMs, requestField: requestField(requestId), jobId: this.jobId },
    );
  }

  /** What is recorded for these questions: whether each was asked, and its answer if there is one. */
  async questions(ids: string[]): Promise<{ asked: (AskedQuestion | undefined)[]; answers: (Answer | undefined)[] }> {
    const raw = await this.redis.hmget(this.key, ...ids.flatMap((id) => [`q:${id}`, `a:${id}`]));
    const parse = <T>(v: string | null | undefined) => (v ? (JSON.parse(v) as T) : undefined);
    return {
      asked: ids.map((_, i) => parse<AskedQuestion>(raw[2 * i])),
      answers: ids.map((_, i) => parse<Answer>(raw[2 * i + 1])),
    };
  }

  /** The answers to these questions so far, and whether the call is over (a run waiting in-process stops then). */
  async answers(ids: string[]): Promise<{ answers: (Answer | undefined)[]; done: boolean }> {
    const raw = await this.redis.hmget(this.key, 'done', ...ids.map((id) => `a:${id}`));
    return { done: raw[0] !== null, answers: raw.slice(1).map((v) => (v ? (JSON.parse(v) as Answer) : undefined)) };
  }

  /** Records questions before they go out, so an answer that comes back at once finds them. */
  async recordQuestions(asked: [string, AskedQuestion][]): Promise<void> {
    if (asked.length === 0) return;
    await this.redis.hset(this.key, ...asked.flatMap(([id, q]) => [`q:${id}`, JSON.stringify(q)]));
  }

  /** A memoized step's result, or undefined when the step has not completed in an earlier run. */
  async step(key: string): Promise<{ value: unknown } | undefined> {
    const raw = await this.redis.hget(this.key, `k:${key}`);
    return raw === null ? undefined : { value: JSON.parse(raw) };
  }

  async saveStep(key: string, value: unknown): Promise<void> {
    await this.redis.hset(this.key, `k:${key}`, JSON.stringify(value ?? null));
  }

  /**
   * This run ends without an outcome, waiting for answers until `until`: the run is closed (so the next run is the
   * same attempt) and the job's keys are kept at least until the deadline has passed.
   */
  async park(until: number): Promise<void> {
    const keepMs = Math.max(this.ttlMs, until - Date.now() + 60_000);
    const m = this.redis.multi().hdel(this.key, 'open').hincrby(this.key, 'parks', 1).pexpire(this.key, keepMs);
    if (!this.job.sharedStream) {
      m.pexpire(this.keys.stream(this.job.session, this.job.streamId), keepMs);
      m.pexpire(this.keys.streamMeta(this.job.session, this.job.streamId), keepMs);
    }
    await m.exec();
  }

  /** True the first time it is asked for this attempt: the attempt backs off once before it runs. */
  async backOff(attempt: number): Promise<boolean> {
    const before = await this.redis.hget(this.key, 'b');
    if (before === String(attempt)) return false;
    await this.redis.hset(this.key, 'b', attempt);
    return true;
  }

  /** Whether anything arrived that the parked job must run for: an answer to one of `ids`, or a cancellation. */
  async hasNews(ids: string[]): Promise<boolean> {
    const raw = await this.redis.hmget(this.key, 'cancel', ...ids.map((id) => `a:${id}`));
    return raw.some((v) => v !== null);
  }

  /**
   * The job is over (answered, cancelled, or its stream is gone): its questions, answers and steps go; a `done` mark
   * stays for the stream's lifetime, so a run BullMQ starts again (the worker died before it heard the job finish)
   * does nothing.
   */
  async finish(): Promise<void> {
    await this.redis.multi().del(this.key).hset(this.key, 'done', 1).pexpire(this.key, this.ttlMs).exec();
  }
}
