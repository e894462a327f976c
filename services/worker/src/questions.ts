// Questions a running handler asks the client (elicitation, sampling, roots; docs/architecture.md, "Questions to the
// client"). A question never holds a worker: it is recorded in the job's run state and sent — 2025 era: a JSON-RPC
// request on the call's stream, answered by a POST to any node; 2026-07-28: an `inputRequests` event, answered by the
// client's retry (MRTR) — and the job parks (ParkSignal). The answer is recorded in the run state by whichever front
// node receives it, which wakes the job; the handler then runs again from the start, and the same question, asked
// again in the same place, now returns the recorded answer at once. Question ids are the order of asking within a
// run (2025) or the handler's keys (2026-07-28), so a re-run asks under the same ids.
import { serverRequestId, type CallJob } from '@mcp-fleet/shared';
import type { Answer, RunState } from './run-state.ts';
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

/**
 * Thrown out of a handler that asked a question the client has not answered yet: the run stops here and the job
 * parks. A handler that catches it changes nothing — the processor parks the job whatever the handler does next.
 */
export class ParkSignal extends Error {
  override name = 'ParkSignal';
  constructor() {
    super('waiting for the client to answer: the job parks and runs again when the answer arrives');
  }
}

/** One question of a round: its wire name (2026-07-28 key) when the handler chose one. */
export interface Question {
  key?: string;
  method: string;
  params: Record<string, unknown>;
}

export class Questions {
  private asked = 0;
  /** question ids this run waits for, and until when; set once the run must park */
  private waiting: { ids: Set<string>; until: number } | undefined;
  /** rounds still being recorded or written: a run parks only once they are out */
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(
    private readonly job: CallJob,
    private readonly writer: StreamWriter,
    private readonly run: RunState,
    /** how long a question waits for its answer */
    private readonly timeoutMs: number,
    /**
     * Set for a tool defined with `questions: 'wait'`: the run waits for answers in-process (polling its run state)
     * instead of parking, until the deadline or until this signal aborts.
     */
    private readonly waitInProcess?: AbortSignal,
  ) {}

  /** Set when this run must park: the questions it waits for and the deadline of the first. */
  get parking(): { ids: string[]; until: number } | undefined {
    return this.waiting && { ids: [...this.waiting.ids], until: this.waiting.until };
  }

  /** Resolves once every round this run started has been recorded and written. */
  async settled(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  /** Asks one round of questions; resolves their results in order, or throws ParkSignal until they are answered. */
  ask(questions: Question[]): Promise<unknown[]> {
    const round = this.askRound(questions);
    this.inflight.add(round);
    void round.finally(() => this.inflight.delete(round)).catch(() => {});
    return round;
  }

  private async askRound(questions: Question[]): Promise<unknown[]> {
    if (questions.length === 0) return [];
    if (this.waiting) throw new ParkSignal(); // this run parks already; nothing more goes out
    const modern = this.writer.era === 'modern';
    const ids = questions.map((q) => {
      const n = ++this.asked;
      return modern ? (q.key ?? `${q.method.split('/')[0]}-${n}`) : serverRequestId(this.job.jobId, n);
    });
    if (new Set(ids).size !== ids.length) {
      throw new ServerRequestError(`two questions of one round share a key: ${ids.join(', ')}`);
    }
    const { asked, answers } = await this.run.questions(ids);
    // Asked in an earlier run: this run's writes continue numbering after the question's.
    this.writer.skipTo(Math.max(0, ...asked.map((q) => q?.s ?? 0)));
    const open = ids.flatMap((_, i) => (answers[i] ? [] : [i]));
    if (open.length === 0) return answers.map((a, i) => resultOf(a!, questions[i]!.method));
    const now = Date.now();
    const expired = open.filter((i) => asked[i] && asked[i].d <= now);
    if (expired.length) {
      const what = expired.map((i) => questions[i]!.method).join(', ');
      const err = new ServerRequestError(`the client did not answer ${what} within ${this.timeoutMs} ms`);
      // 2025 era: tell the client to stop (spec, lifecycle timeouts). A 2026-07-28 client holds no open request.
      if (!modern) {
        for (const i of expired) {
          await this.writer
            .notification('notifications/cancelled', { requestId: ids[i]!, reason: err.message })
            .catch(() => {});
        }
      }
      throw err;
    }
    const toAsk = open.filter((i) => !asked[i]);
    if (toAsk.length) {
      const deadline = now + this.timeoutMs;
      // One event for a 2026-07-28 round (every open question of it), one request each in the 2025 era.
      const after = this.writer.position + (modern ? 1 : toAsk.length);
      await this.run.recordQuestions(
        toAsk.map((i) => [ids[i]!, { m: questions[i]!.method, s: after, d: deadline, p: questions[i]!.params }]),
      );
      if (modern) {
        await this.writer.inputRequests(
          Object.fromEntries(
            open.map((i) => [ids[i]!, { method: questions[i]!.method, params: questions[i]!.params }]),
          ),
        );
      } else {
        for (const i of toAsk) await this.writer.request(ids[i]!, questions[i]!.method, questions[i]!.params);
      }
    }
    const until = Math.min(...open.map((i) => asked[i]?.d ?? now + this.timeoutMs));
    if (this.waitInProcess) return this.awaitAnswers(ids, questions, until, this.waitInProcess);
    this.waiting ??= { ids: new Set(), until };
    for (const i of open) this.waiting.ids.add(ids[i]!);
    this.waiting.until = Math.min(this.waiting.until, until);
    throw new ParkSignal();
  }

  /**
   * Waits in this run for every answer of a round (`questions: 'wait'`): the front node that receives an answer
   * records it in the run state (its wake-up finds no parked job), and this loop reads it there.
   */
  private async awaitAnswers(ids: string[], questions: Question[], until: number, signal: AbortSignal) {
    for (;;) {
      const { answers, done } = await this.run.answers(ids);
      if (answers.every(Boolean)) return answers.map((a, i) => resultOf(a!, questions[i]!.method));
      if (signal.aborted) throw signal.reason;
      // The call ended without this answer (a bridged server's call failed under it): nobody waits for it now.
      if (done) throw new ServerRequestError('the call ended before the client answered');
      if (Date.now() >= until) {
        const open = ids.filter((_, i) => !answers[i]);
        const what = questions.filter((_, i) => !answers[i]).map((q) => q.method);
        const err = new ServerRequestError(`the client did not answer ${what.join(', ')} within ${this.timeoutMs} ms`);
        if (this.writer.era !== 'modern') {
          for (const requestId of open) {
            await this.writer
              .notification('notifications/cancelled', { requestId, reason: err.message })
              .catch(() => {});
          }
        }
        throw err;
      }
      await sleep(Math.min(ANSWER_POLL_MS, Math.max(0, until - Date.now())), signal);
    }
  }
}

/** How often a run that waits in-process for answers looks for them. */
const ANSWER_POLL_MS = 200;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function resultOf(answer: Answer, method: string): unknown {
  if (answer.error) {
    throw new ServerRequestError(
      `the client answered ${method} with an error: ${answer.error.message}`,
      answer.error.code,
      answer.error.data,
    );
  }
  return answer.result;
}
