// Messages that go to a session's standalone stream rather than a request's: list_changed, resource updates,
// notifications a tool sends to its own or another session, broadcasts. Used by workers and front nodes alike.
import type { Redis } from 'ioredis';
import { randomId } from './ids.ts';
import { type FleetKeys, parseSessionMember, sessionMember, standaloneStreamId, type SessionRef } from './keys.ts';
import { appendEvent } from './stream-appends.ts';

export interface StandaloneRetention {
  sessionTtlMs: number;
  maxEvents: number;
}

/**
 * Appends one JSON-RPC message to a session's standalone stream: a notification (`m`), or — on the legacy HTTP+SSE
 * transport, where it is the session's only stream — a response (`r`). Returns false when the session is gone.
 * `writer` makes the append idempotent: the same writer id is applied once per stream (a resend, or several nodes
 * doing the same fan-out).
 */
export async function appendToSessionStream(
  redis: Redis,
  keys: FleetKeys,
  session: SessionRef,
  kind: 'message' | 'sharedResponse',
  message: Record<string, unknown>,
  retention: StandaloneRetention,
  writer = randomId(9),
): Promise<boolean> {
  const streamId = standaloneStreamId(session.sessionId);
  const r = await appendEvent(redis, {
    stream: keys.stream(session, streamId),
    meta: keys.streamMeta(session, streamId),
    inflight: keys.inflight(session),
    kind,
    data: JSON.stringify(message),
    writer,
    writerSeq: 1,
    maxLen: retention.maxEvents,
    // The standalone stream lives as long as its session (touch-session slides both).
    ttlMs: retention.sessionTtlMs,
  });
  return r >= 0;
}

/** A notification on a session's standalone stream; false when the session is gone. */
export function notifySession(
  redis: Redis,
  keys: FleetKeys,
  session: SessionRef,
  message: { method: string; params?: Record<string, unknown> },
  retention: StandaloneRetention,
  writer = randomId(9),
): Promise<boolean> {
  return appendToSessionStream(redis, keys, session, 'message', { jsonrpc: '2.0', ...message }, retention, writer);
}

/** Sessions seen within their idle TTL, pruning the ones that expired (index entries outlive their sessions). */
export async function liveSessions(redis: Redis, keys: FleetKeys, sessionTtlMs: number): Promise<SessionRef[]> {
  const cutoff = Date.now() - sessionTtlMs;
  const [, [, members] = [null, []]] = ((await redis
    .multi()
    .zremrangebyscore(keys.sessionsIndex(), '-inf', cutoff)
    .zrange(keys.sessionsIndex(), 0, -1)
    .exec()) ?? []) as [Error | null, string[]][];
  return (members ?? []).map(parseSessionMember).filter((s): s is SessionRef => s !== undefined);
}

/**
 * Sends a notification to many sessions' standalone streams, a bounded number of appends at a time. Returns how
 * many received it; `gone` collects the sessions that no longer exist.
 */
export async function fanOut(
  redis: Redis,
  keys: FleetKeys,
  sessions: SessionRef[],
  message: { method: string; params?: Record<string, unknown> },
  retention: StandaloneRetention,
  opts: { writer?: string; gone?: SessionRef[] } = {},
): Promise<number> {
  const writer = opts.writer ?? randomId(9);
  let delivered = 0;
  const BATCH = 200;
  for (let i = 0; i < sessions.length; i += BATCH) {
    const batch = sessions.slice(i, i + BATCH);
    const results = await Promise.all(batch.map((s) => notifySession(redis, keys, s, message, retention, writer)));
    for (const [j, ok] of results.entries()) {
      if (ok) delivered++;
      else opts.gone?.push(batch[j]!);
    }
  }
  return delivered;
}

/** A change event for 2026-07-28 `subscriptions/listen` streams on every front node. */
export async function publishServerEvent(
  redis: Redis,
  keys: FleetKeys,
  event:
    | { kind: 'tools_list_changed' | 'prompts_list_changed' | 'resources_list_changed' }
    | { kind: 'resource_updated'; uri: string },
): Promise<void> {
  await redis.publish(keys.eventsChannel(), JSON.stringify(event));
}

/**
 * notifications/resources/updated to every session subscribed to `uri` (2025-era sessions, on their standalone
 * stream) and to every 2026-07-28 listen stream that asked for it.
 */
export async function resourceUpdated(
  redis: Redis,
  keys: FleetKeys,
  uri: string,
  retention: StandaloneRetention,
): Promise<number> {
  await publishServerEvent(redis, keys, { kind: 'resource_updated', uri });
  const members = await redis.smembers(keys.resourceSubscribers(uri));
  const sessions = members.map(parseSessionMember).filter((s): s is SessionRef => s !== undefined);
  const gone: SessionRef[] = [];
  const message = { method: 'notifications/resources/updated', params: { uri } };
  const n = await fanOut(redis, keys, sessions, message, retention, { gone });
  // Subscribers whose session ended without unsubscribing (expired) are dropped from the set here.
  if (gone.length) await redis.srem(keys.resourceSubscribers(uri), ...gone.map(sessionMember));
  return n;
}
