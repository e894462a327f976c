// A client that follows one call to its outcome the way a resumable Streamable HTTP client does, over raw HTTP:
// it reads the POST's SSE stream, and whenever the connection ends without the response, it resumes with
// `Last-Event-ID` on the next front node (retrying while the fleet answers 503) — or, when it never got an event
// id, sends the same request (same id) again elsewhere — until the call has its response,
// an explicit error (a JSON-RPC error, or 404/410 on a resume), or the deadline passes (a hang). It records every
// message exactly as received, so a test can count what was lost, duplicated or out of order.
import {
  SseReader,
  frameMessage,
  getStream,
  post,
  sleep,
  splitEventId,
  type RawSession,
  type SseFrame,
} from './http.ts';

export interface CallOutcome {
  kind: 'result' | 'error' | 'hang';
  /** the JSON-RPC response, for result and error */
  response?: Record<string, unknown>;
  /** how the call ended when it was not by its response: an HTTP status of a resume, or a reason */
  why?: string;
  /** progress values received, in order */
  progress: number[];
  /** event ids received, in order (to check nothing repeats) */
  ids: string[];
  /** how many connections it took (1 = no resume) */
  connections: number;
  ms: number;
}

export interface FollowOptions {
  /** front node endpoints to resume on, in turn (the POST's own first); a function when the set changes */
  urls: string[] | (() => string[]);
  session: RawSession;
  deadlineMs?: number;
  /** called with each message as it arrives (e.g. to trigger a fault after some progress) */
  onMessage?: (m: Record<string, unknown>) => void;
  /** called with every SSE event as it arrives, with or without a message */
  onFrame?: (f: SseFrame) => void;
}

/** POSTs `body` to `urls[0]` and follows the call to its outcome. */
export async function followCall(body: Record<string, unknown>, opts: FollowOptions): Promise<CallOutcome> {
  const started = Date.now();
  const deadline = started + (opts.deadlineMs ?? 30_000);
  const out: CallOutcome = { kind: 'hang', progress: [], ids: [], connections: 0, ms: 0 };
  let lastId: string | undefined;
  let turn = 0;
  let reposts = 0;
  const urls = () => (typeof opts.urls === 'function' ? opts.urls() : opts.urls);
  let res: Response | undefined = await post(urls()[0]!, body, opts.session.headers).catch(() => undefined);
  for (;;) {
    if (res && res.status === 200) {
      out.connections++;
      const reader = new SseReader(res);
      for (;;) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        const f = await reader.next(left).catch(() => undefined);
        if (!f) break;
        if (f.id) {
          out.ids.push(f.id);
          lastId = f.id;
        }
        opts.onFrame?.(f);
        const m = f.data ? frameMessage(f) : undefined;
        if (!m) continue;
        opts.onMessage?.(m);
        if (m.method === 'notifications/progress') out.progress.push((m.params as { progress: number }).progress);
        if ('result' in m || 'error' in m) {
          out.kind = 'result' in m ? 'result' : 'error';
          out.response = m;
          await reader.cancel();
          out.ms = Date.now() - started;
          return out;
        }
      }
      await reader.cancel();
    } else if (res && res.status !== 503) {
      out.kind = 'error';
      out.why = `HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`;
      out.ms = Date.now() - started;
      return out;
    }
    if (Date.now() >= deadline) break;
    if (lastId === undefined) {
      // The POST failed before any event id (its node died under it): send the same request again, elsewhere. A
      // call still running under that id is attached to (it runs once); one that never started starts now.
      if (reposts++ >= 5) {
        out.why = 'the connection ended before any event id, five times';
        out.kind = 'error';
        break;
      }
      turn++;
      const now = urls();
      await sleep(100 * reposts);
      res = await post(now[turn % now.length]!, body, opts.session.headers).catch(() => undefined);
      continue;
    }
    // Resume on the next node, like a client behind a balancer; 503 (Redis away, node draining) → again shortly.
    if (res?.status === 503) await sleep(300);
    turn++;
    const now = urls();
    const url = now[turn % now.length]!;
    res = await getStream(url, opts.session, lastId).catch(() => undefined);
    if (!res) await sleep(200);
  }
  out.ms = Date.now() - started;
  if (out.kind === 'hang') out.why ??= `no outcome within ${opts.deadlineMs ?? 30_000} ms`;
  return out;
}

export interface Audit {
  lost: number;
  duplicated: number;
  outOfOrder: number;
}

/** Compares progress received with 1..expected: values missing, repeated, or not increasing. */
export function auditProgress(values: number[], expected: number): Audit {
  const seen = new Set<number>();
  let duplicated = 0;
  let outOfOrder = 0;
  for (const [i, v] of values.entries()) {
    if (seen.has(v)) duplicated++;
    seen.add(v);
    if (i > 0 && v <= values[i - 1]!) outOfOrder++;
  }
  let lost = 0;
  for (let v = 1; v <= expected; v++) if (!seen.has(v)) lost++;
  return { lost, duplicated, outOfOrder };
}

/** Event ids received more than once on a call's streams (a resume must never replay what was delivered). */
export function repeatedIds(ids: string[]): string[] {
  const seen = new Set<string>();
  const again: string[] = [];
  for (const id of ids) {
    const p = splitEventId(id);
    // The resume point (seq 0) of each connection is not an event: it may repeat.
    if (p?.seq === 0) continue;
    if (seen.has(id)) again.push(id);
    seen.add(id);
  }
  return again;
}

/** A seeded pseudo-random number generator (mulberry32), so randomized timings can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of this run: FAULT_SEED from the environment, or a fresh one (printed by the tests that use it). */
export function runSeed(): number {
  const env = Number(process.env.FAULT_SEED);
  return Number.isSafeInteger(env) && env > 0 ? env : Math.floor(Math.random() * 2 ** 31) + 1;
}
