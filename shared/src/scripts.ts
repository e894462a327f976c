// Typed wrappers over the Lua scripts in ./scripts (one script per file, named `verb-<keycount>.lua`; `-n`: the
// call says how many keys it passes).
import { readFileSync } from 'node:fs';
import type { Redis, ChainableCommander } from 'ioredis';
import { KIND_LETTERS, type EventKind } from './events.ts';
import type { TaskStatus } from './tasks.ts';

const load = (name: string) => readFileSync(new URL(`./scripts/${name}.lua`, import.meta.url), 'utf8');

const SCRIPTS: Record<string, { file: string; keys: number | undefined }> = {
  appendEvents: { file: 'append-events-n', keys: undefined },
  openStream: { file: 'open-stream-7', keys: 7 },
  claimStream: { file: 'claim-stream-1', keys: 1 },
  touchSession: { file: 'touch-session-3', keys: 3 },
  startRun: { file: 'start-run-3', keys: 3 },
  answerQuestion: { file: 'answer-question-2', keys: 2 },
  acquireSlot: { file: 'acquire-slot-1', keys: 1 },
  takeQuota: { file: 'take-quota-1', keys: 1 },
};

type Cmd = (...args: (string | number)[]) => Promise<unknown>;

/** Registers our scripts on a client (idempotent); ioredis then uses EVALSHA with a fallback to EVAL. */
export function defineScripts(redis: Redis): void {
  for (const [name, s] of Object.entries(SCRIPTS)) {
    if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: s.keys, lua: load(s.file) });
  }
}

export interface AppendArgs {
  stream: string;
  meta: string;
  inflight: string;
  kind: EventKind;
  data: string;
  writer: string;
  writerSeq: number;
  /** a value that must increase on this stream (progress, a partial-result chunk number) */
  progress?: number;
  /** the meta field that guards `progress` (default `p`) */
  progressField?: string;
  maxLen: number;
  ttlMs: number;
  /** the in-flight field to clear when this event answers or ends the request */
  requestField?: string;
  /** the session's open streams: the lease the stream holds there is given back when it ends */
  sessionStreams?: string;
  /** a job attempt's fence: refused once a later attempt of the same job has written */
  fence?: { jobId: string; attempt: number };
  /** the task status this event brings (a task's stream only), with its status message */
  task?: { status: TaskStatus; message?: string };
  /** when this event answers the call: what settles with it (append-events-n.lua) */
  settle?: CallSettlement;
}

/** What the answer of a job's call settles in the same script: its run state, and its count in its principal's quota. */
export interface CallSettlement {
  /** the job's run hash, reduced to its `done` mark for `runTtlMs` */
  run: string;
  runTtlMs: number;
  /** the principal's calls in flight and the call's member there; absent over a Redis Cluster (another slot) */
  calls?: { key: string; member: string };
}

/** Whether `b` can join the run `a` began: the same keys and settings (append-events-n.lua's runs). */
function sameRun(a: AppendArgs, b: AppendArgs): boolean {
  return (
    a.stream === b.stream &&
    a.writer === b.writer &&
    a.meta === b.meta &&
    a.inflight === b.inflight &&
    a.sessionStreams === b.sessionStreams &&
    a.maxLen === b.maxLen &&
    a.ttlMs === b.ttlMs &&
    a.requestField === b.requestField &&
    a.fence?.jobId === b.fence?.jobId &&
    a.fence?.attempt === b.fence?.attempt &&
    a.progressField === b.progressField &&
    a.task?.status === b.task?.status &&
    a.task?.message === b.task?.message &&
    a.settle?.run === b.settle?.run &&
    a.settle?.runTtlMs === b.settle?.runTtlMs &&
    a.settle?.calls?.key === b.settle?.calls?.key &&
    a.settle?.calls?.member === b.settle?.calls?.member
  );
}

/**
 * Appends a batch in one script call, each append applied on its own: per append, the new seq, 0 for a duplicate
 * or a stream already ended, -1 when the stream no longer exists, or the Error it met. Its keys must share a slot
 * over a Redis Cluster (stream-appends.ts groups them). Most callers want appendEvent (batched for them).
 * Consecutive appends of one writer to one stream with the same settings go as one run: their keys and settings
 * once, then 4 arguments each.
 */
export async function appendEvents(redis: Redis, batch: AppendArgs[]): Promise<(number | Error)[]> {
  const keys: (string | number)[] = [];
  const argv: (string | number)[] = [Date.now()];
  let first: AppendArgs | undefined;
  let countAt = 0;
  for (const a of batch) {
    if (!first || !sameRun(first, a)) {
      first = a;
      countAt = argv.length;
      // Unused keys name the meta again: every key a script declares must be in its slot.
      keys.push(a.stream, a.meta, a.inflight, a.settle?.run ?? a.meta, a.settle?.calls?.key ?? a.meta);
      keys.push(a.sessionStreams ?? a.meta);
      argv.push(0, a.writer, a.maxLen, a.ttlMs, a.requestField ?? '', a.fence ? `a:${a.fence.jobId}` : '');
      argv.push(a.fence?.attempt ?? 0, a.progressField ?? '', a.task?.status ?? '', a.task?.message ?? '');
      argv.push(a.settle?.runTtlMs ?? '', a.settle?.calls?.member ?? '');
    }
    argv[countAt] = (argv[countAt] as number) + 1;
    argv.push(KIND_LETTERS[a.kind], a.data, a.writerSeq, a.progress === undefined ? '' : a.progress);
  }
  const fn = (redis as unknown as Record<string, Cmd>).appendEvents!;
  const replies = (await fn.call(redis, keys.length, ...keys, ...argv)) as (number | string)[];
  return replies.map((r) => (typeof r === 'string' && r.startsWith('error: ') ? new Error(r.slice(7)) : Number(r)));
}

/** A lease on a session's open streams (MAX_STREAMS_PER_SESSION), taken as a call's stream opens. */
export interface StreamLease {
  key: string;
  token: string;
  limit: number;
  claimMs: number;
}

export type OpenStreamResult =
  | { kind: 'opened' }
  /** the request's id is in flight already, under this job */
  | { kind: 'inFlight'; jobId: string }
  /** the session holds its limit of open streams; the first lease lapses in `waitMs` unless renewed */
  | { kind: 'tooManyStreams'; waitMs: number }
  /** the principal is at its calls-in-flight quota */
  | { kind: 'quota' }
  /** the session that was to be checked does not exist (expired, deleted) */
  | { kind: 'noSession' };

/** What the opening read of a checked session (open-stream-7.lua): its log level now, and when it was last seen. */
export interface CheckedSession {
  logLevel: string;
  seenAt: number;
}

/**
 * A session the opening checks (and whose idle TTL it slides) because the front node recalled the session instead
 * of reading it for this request.
 */
export interface SessionCheck {
  keys: { session: string; stream: string; meta: string };
  ttlMs: number;
}

/**
 * Opens a call's stream (open-stream-7.lua), taking the stream's lease on the session's open streams, counting the
 * call against its principal's quota and checking a recalled session in the same round trip when they are given.
 */
export async function openStream(
  redis: Redis | ChainableCommander,
  k: { meta: string; inflight: string },
  a: {
    ttlMs: number;
    requestField: string;
    jobId: string;
    wakeChannel: string;
    digest: string;
    takeOver?: boolean;
    lease?: StreamLease;
    quota?: { key: string; member: string; limit: number; keepMs: number };
    session?: SessionCheck;
  },
): Promise<OpenStreamResult & { session?: CheckedSession }> {
  const fn = (redis as unknown as Record<string, Cmd>).openStream!;
  const [outcome, level, seen] = (await fn.call(
    redis,
    k.meta,
    k.inflight,
    a.lease?.key ?? k.meta,
    a.quota?.key ?? k.meta,
    a.session?.keys.session ?? k.meta,
    a.session?.keys.stream ?? k.meta,
    a.session?.keys.meta ?? k.meta,
    a.ttlMs,
    a.requestField,
    a.jobId,
    a.wakeChannel,
    a.digest,
    a.takeOver ? '1' : '',
    a.lease?.token ?? '',
    a.lease?.limit ?? 0,
    a.lease?.claimMs ?? 0,
    Date.now(),
    a.quota?.member ?? '',
    a.quota?.limit ?? 0,
    a.quota?.keepMs ?? 0,
    a.session?.ttlMs ?? '',
  )) as [string, string?, string?];
  const r = String(outcome);
  if (r === '!session') return { kind: 'noSession' };
  const session = a.session ? { logLevel: String(level ?? ''), seenAt: Number(seen) } : undefined;
  if (r === '') return { kind: 'opened', session };
  if (r === '!quota') return { kind: 'quota', session };
  if (r.startsWith('!streams ')) return { kind: 'tooManyStreams', waitMs: Number(r.slice(9)), session };
  return { kind: 'inFlight', jobId: r, session };
}

/** Makes `wakeChannel` the node that serves a stream; returns the claim's number, 0 when the stream does not exist. */
export async function claimStream(redis: Redis, meta: string, wakeChannel: string, streamKey: string): Promise<number> {
  const fn = (redis as unknown as Record<string, Cmd>).claimStream!;
  return Number(await fn.call(redis, meta, wakeChannel, streamKey));
}

export async function touchSession(
  redis: Redis,
  k: { session: string; stream: string; meta: string },
  ttlMs: number,
): Promise<Record<string, string> | undefined> {
  const fn = (redis as unknown as Record<string, Cmd>).touchSession!;
  const flat = (await fn.call(redis, k.session, k.stream, k.meta, ttlMs, Date.now())) as string[];
  if (!flat.length) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

export interface RunStart {
  attempt: number;
  /** a cancellation that arrived while the job was queued or parked */
  cancelled?: string;
  /** the job has its outcome already (an earlier run finished it): nothing to do */
  done: boolean;
  /** the job's stream was not opened for it (the front node's opening refused): it must not run */
  refused: boolean;
  /** the session's log level as Redis has it now (unset: the server picks); absent when there is no session hash */
  sessionLogLevel?: { level: string | undefined };
}

/** How long a refused job's mark stays in its run hash: a front node taking over the request looks soon after. */
export const REFUSAL_MARK_MS = 60_000;

/** Starts a run of a job (start-run-3.lua). */
export async function startRun(
  redis: Redis,
  k: { run: string; inflight: string; session: string },
  a: { queue: string; ttlMs: number; requestField: string; jobId: string },
): Promise<RunStart> {
  const fn = (redis as unknown as Record<string, Cmd>).startRun!;
  const [attempt, cancelled, done, refused, hasSession, level] = (await fn.call(
    redis,
    k.run,
    k.inflight,
    k.session,
    a.queue,
    a.ttlMs,
    a.requestField,
    a.jobId,
    REFUSAL_MARK_MS,
  )) as [number, string, number, number, number?, string?];
  return {
    attempt: Number(attempt),
    cancelled: cancelled || undefined,
    done: Number(done) === 1,
    refused: Number(refused) === 1,
    ...(Number(hasSession) === 1 && { sessionLogLevel: { level: level || undefined } }),
  };
}

/** Records an answer for a job's question; returns the job's queue, or '' when nothing waits for it. */
export async function answerQuestion(
  redis: Redis,
  k: { run: string; meta: string },
  questionId: string,
  answer: string,
): Promise<string> {
  const fn = (redis as unknown as Record<string, Cmd>).answerQuestion!;
  return String(await fn.call(redis, k.run, k.meta, questionId, answer, Date.now()));
}

/** Takes (or renews) one of a tool's slots for a job; false when all are taken (acquire-slot-1.lua). */
export async function acquireSlot(
  redis: Redis,
  slotsKey: string,
  jobId: string,
  a: { limit: number; claimMs: number },
): Promise<boolean> {
  const fn = (redis as unknown as Record<string, Cmd>).acquireSlot!;
  return Number(await fn.call(redis, slotsKey, jobId, a.limit, Date.now(), a.claimMs)) === 1;
}

/** Counts a call against its principal's in-flight quota; false when the principal is at it. */
export async function takeQuota(
  redis: Redis,
  key: string,
  member: string,
  a: { quota: number; keepMs: number },
): Promise<boolean> {
  const fn = (redis as unknown as Record<string, Cmd>).takeQuota!;
  return Number(await fn.call(redis, key, member, a.quota, Date.now(), a.keepMs)) === 1;
}

/**
 * As acquireSlot, for a caller that answers a refusal with Retry-After: when every slot is taken, the seconds until
 * the first claim lapses unless renewed (at least 1, at most `maxWaitSeconds`; a slot may also free sooner).
 */
export async function takeSlot(
  redis: Redis,
  slotsKey: string,
  holder: string,
  a: { limit: number; claimMs: number; maxWaitSeconds: number },
): Promise<{ taken: true } | { taken: false; retryAfterSeconds: number }> {
  if (await acquireSlot(redis, slotsKey, holder, a)) return { taken: true };
  const first = await redis.zrange(slotsKey, 0, 0, 'WITHSCORES');
  const waitMs = Number(first[1] ?? 0) - Date.now();
  return { taken: false, retryAfterSeconds: Math.min(a.maxWaitSeconds, Math.max(1, Math.ceil(waitMs / 1000))) };
}
