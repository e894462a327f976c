// Typed wrappers over the Lua scripts in ./scripts (one script per file, named `verb-<keycount>.lua`).
import { readFileSync } from 'node:fs';
import type { Redis, ChainableCommander } from 'ioredis';
import { KIND_LETTERS, type EventKind } from './events.ts';

const load = (name: string) => readFileSync(new URL(`./scripts/${name}.lua`, import.meta.url), 'utf8');

const SCRIPTS = {
  appendEvent: { file: 'append-event-3', keys: 3 },
  openStream: { file: 'open-stream-2', keys: 2 },
  claimStream: { file: 'claim-stream-1', keys: 1 },
  touchSession: { file: 'touch-session-3', keys: 3 },
} as const;

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
  progress?: number;
  maxLen: number;
  ttlMs: number;
  /** the in-flight field to clear when this event answers or ends the request */
  requestField?: string;
}

/** Returns the new seq, 0 for a duplicate or a stream already ended, -1 when the stream no longer exists. */
export async function appendEvent(redis: Redis, a: AppendArgs): Promise<number> {
  const fn = (redis as unknown as Record<string, Cmd>).appendEvent!;
  const r = await fn.call(
    redis,
    a.stream,
    a.meta,
    a.inflight,
    KIND_LETTERS[a.kind],
    a.data,
    a.writer,
    a.writerSeq,
    a.progress === undefined ? '' : a.progress,
    a.maxLen,
    a.ttlMs,
    a.requestField ?? '',
    Date.now(),
  );
  return Number(r);
}

export async function openStream(
  redis: Redis | ChainableCommander,
  k: { meta: string; inflight: string },
  ttlMs: number,
  requestField: string,
  jobId: string,
  wakeChannel: string,
): Promise<void> {
  const fn = (redis as unknown as Record<string, Cmd>).openStream!;
  await fn.call(redis, k.meta, k.inflight, ttlMs, requestField, jobId, wakeChannel);
}

/** Makes `wakeChannel` the node that serves a stream; false when the stream does not exist. */
export async function claimStream(
  redis: Redis,
  meta: string,
  wakeChannel: string,
  streamKey: string,
  owner: string,
): Promise<boolean> {
  const fn = (redis as unknown as Record<string, Cmd>).claimStream!;
  return Number(await fn.call(redis, meta, wakeChannel, streamKey, owner)) === 1;
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
