// Every Redis key and channel name of mcp-fleet is built here, and nowhere else.
// These names are a persisted contract: renaming one strands sessions, streams and jobs in flight.
//
// All keys of one session share the hash tag `{<principal>:<sessionId>}`, so a Redis Cluster keeps them in one
// slot (Lua scripts touch several of them at once). The principal is part of the tag so that a session id alone
// never names another caller's data (MCP security guide, "session hijack via a shared queue").

export interface SessionRef {
  principal: string;
  sessionId: string;
}

import { createHash } from 'node:crypto';
import { randomId } from './ids.ts';

/**
 * Stream ids start with a short fingerprint of their session, so a Last-Event-ID from another session is recognised
 * as such (400) instead of looking like an expired stream of this one (410). Not a secret: keys carry the session.
 */
export function sessionFingerprint(sessionId: string): string {
  let f = fingerprints.get(sessionId);
  if (f === undefined) {
    // A bounded cache: each request of a session needs its fingerprint two or three times.
    if (fingerprints.size >= FINGERPRINT_CACHE) fingerprints.clear();
    f = createHash('sha256').update(sessionId).digest('base64url').slice(0, 6);
    fingerprints.set(sessionId, f);
  }
  return f;
}
const FINGERPRINT_CACHE = 4096;
const fingerprints = new Map<string, string>();

/** The session's standalone (GET) stream. */
export function standaloneStreamId(sessionId: string): string {
  return `${sessionFingerprint(sessionId)}-g`;
}
/** A new request stream: fingerprint + 96 random bits (also the BullMQ job id, so it must be globally unique). */
export function newRequestStreamId(sessionId: string): string {
  return `${sessionFingerprint(sessionId)}${randomId(12)}`;
}
/** Field of a request in the session's in-flight hash: the JSON-encoded id, so the ids 1 and "1" stay distinct. */
export function requestField(id: string | number): string {
  return JSON.stringify(id);
}

/**
 * The id of a server→client request (2025 era): names the job that asked and the question's number within its run,
 * so the client's answer, POSTed to any node, finds the job's run state without a lookup.
 */
export function serverRequestId(jobId: string, n: number): string {
  return `srv-${jobId}-${n}`;
}
/**
 * The stream a job writes: its own, named like the job, or — a job on a session's shared stream (HTTP+SSE), whose id
 * is `<streamId>.<random>` — that stream.
 */
export function streamOfJob(jobId: string): string {
  const dot = jobId.indexOf('.');
  return dot > 0 ? jobId.slice(0, dot) : jobId;
}
export function jobOfServerRequest(id: string): string | undefined {
  const m = /^srv-(.+)-\d+$/.exec(id);
  return m?.[1];
}

/** Member of a principal's calls in flight (FleetKeys.principalCalls): the job's queue and id. */
export function callMember(queue: string, jobId: string): string {
  return `${queue} ${jobId}`;
}

/** Members of the sessions index and resource-subscriber sets. */
export function sessionMember(s: SessionRef): string {
  return `${s.principal} ${s.sessionId}`;
}
export function parseSessionMember(m: string): SessionRef | undefined {
  const i = m.indexOf(' ');
  return i > 0 ? { principal: m.slice(0, i), sessionId: m.slice(i + 1) } : undefined;
}
export function streamBelongsTo(streamId: string, sessionId: string): boolean {
  return streamId.startsWith(sessionFingerprint(sessionId));
}

export class FleetKeys {
  constructor(readonly prefix: string) {}

  private tag(s: SessionRef): string {
    return `${this.prefix}:{${s.principal}:${s.sessionId}}`;
  }
  /** Hash: negotiated version, client capabilities and info, log level, created and last-seen times. */
  session(s: SessionRef): string {
    return `${this.tag(s)}:session`;
  }
  /** Hash: JSON-RPC request id (JSON-encoded) → stream id, for requests whose job has not finished. */
  inflight(s: SessionRef): string {
    return `${this.tag(s)}:inflight`;
  }
  /** Stream: the events of one MCP SSE stream, entry id `<seq>-0`. */
  stream(s: SessionRef, streamId: string): string {
    return `${this.tag(s)}:stream:${streamId}`;
  }
  /** Hash: the stream's sequence counter, done flag, last progress and per-writer dedupe counters. */
  streamMeta(s: SessionRef, streamId: string): string {
    return `${this.tag(s)}:stream:${streamId}:meta`;
  }
  /**
   * Pub/sub channel of one front node: wake-ups for every stream it serves (`<stream key>\n<seq> <kind> <json>`) and
   * takeovers (`<stream key>\ntakeover <owner>`). A stream's meta names the channel of the node serving it.
   */
  nodeChannel(nodeId: string): string {
    return `${this.prefix}:node:${nodeId}`;
  }
  /**
   * Redis Cluster: the sharded channel (SPUBLISH/SSUBSCRIBE) that wakes one front node for the streams of one session
   * (the session of `streamKey`), in the session's slot — so the append script, whose keys are in that slot, may
   * publish to it. A node subscribes while it serves a stream of the session: subscriptions O(sessions served),
   * connections O(shards). Same messages as nodeChannel.
   */
  shardedWakeChannel(streamKey: string, nodeId: string): string {
    const open = streamKey.indexOf('{');
    const close = streamKey.indexOf('}', open);
    return `${this.prefix}:${streamKey.slice(open, close + 1)}:wake:${nodeId}`;
  }
  /**
   * Sorted set: lease tokens (`<nodeId>:<random>`) of the session's open SSE streams, scored by when each lease
   * lapses unless its node renews it (MAX_STREAMS_PER_SESSION; a dead node's streams drop out by themselves).
   */
  sessionStreams(s: SessionRef): string {
    return `${this.tag(s)}:streams`;
  }
  /** Set: resource URIs this session subscribed to (resources/subscribe). */
  sessionSubscriptions(s: SessionRef): string {
    return `${this.tag(s)}:rsubs`;
  }
  /**
   * Hash: the durable state of one job across its runs (a job that asks the client something parks, holding no
   * worker, and runs again from the start when answered): `att` attempt, `open` while a run is in progress, `queue`,
   * `parks`, `q:<question id>` each question asked (JSON: method, writer seq after it, deadline), `a:<question id>`
   * the client's answer, `k:<step>` a memoized step's result, `cancel` a cancellation that arrived while it was not
   * running. Deleted when the job ends.
   */
  run(s: SessionRef, jobId: string): string {
    return `${this.tag(s)}:run:${jobId}`;
  }
  /**
   * Sorted set: the task ids one owner created (task-binding.ts says who owns a task), scored by creation time;
   * for 2025-11-25 tasks/list. Members whose task expired are removed as a listing meets them.
   */
  tasksOf(owner: string): string {
    return `${this.prefix}:tasks:${owner}`;
  }
  /** Sorted set: job ids of a tool's calls waiting to start (tool option `limits.maxQueued`), scored by enqueue time. */
  queuedCalls(tool: string): string {
    return `${this.prefix}:queued:${tool}`;
  }
  /**
   * Sorted set: job ids of a tool's calls running now, scored by when their claim lapses unless renewed (tool
   * option `limits.concurrency`: a fleet-wide semaphore).
   */
  toolSlots(tool: string): string {
    return `${this.prefix}:slots:${tool}`;
  }
  /**
   * Sorted set: a principal's calls in flight (`<queue> <job id>`, scored by when each started), waiting, running or
   * parked: MAX_CALLS_IN_FLIGHT_PER_PRINCIPAL. Workers remove a call when its job ends; entries whose job is gone
   * are dropped when the principal reaches its quota.
   */
  principalCalls(principal: string): string {
    return `${this.prefix}:calls:${principal}`;
  }
  /** Prefix of the rate-limit counters (rate-limiter-flexible keys: `<prefix>:<rule>:<principal>`). */
  rateLimitPrefix(): string {
    return `${this.prefix}:rl`;
  }
  /** Sorted set: `<principal> <sessionId>` of live sessions, scored by last-seen time (ms); for broadcasts. */
  sessionsIndex(): string {
    return `${this.prefix}:sessions`;
  }
  /**
   * Sorted set: session ids of one principal's live sessions, scored by when each expires unless used again
   * (MAX_SESSIONS_PER_PRINCIPAL, counted fleet-wide).
   */
  principalSessions(principal: string): string {
    return `${this.prefix}:psessions:${principal}`;
  }
  /** Set: sessions (`<principal> <sessionId>`) subscribed to one resource URI. */
  resourceSubscribers(uri: string): string {
    return `${this.prefix}:rsub:${createHash('sha256').update(uri).digest('base64url')}`;
  }
  /** Counter: raised by every announced catalog write, so each change has a name of its own (list_changed dedupe). */
  catalogRevision(): string {
    return `${this.prefix}:{catalog}:rev`;
  }
  /** String set once per catalog change (`<revision>:<old>><new>`) and list kind: its list_changed fan-out was done. */
  catalogNotified(kind: string, transition: string): string {
    return `${this.prefix}:catalog:notified:${kind}:${transition}`;
  }
  /**
   * Pub/sub channel of change events for 2026-07-28 `subscriptions/listen` streams (JSON: the SDK's ServerEvent);
   * every front node delivers each event to its own open listen streams.
   */
  eventsChannel(): string {
    return `${this.prefix}:events`;
  }
  /** Pub/sub channel of task status changes (JSON TaskEvent), for 2026-07-28 `subscriptions/listen` task ids. */
  taskEventsChannel(): string {
    return `${this.prefix}:task-events`;
  }
  /** String: the HMAC key shared by every front node for MRTR requestState, unless configuration provides one. */
  requestStateKey(): string {
    return `${this.prefix}:mrtr:key`;
  }
  /** Pub/sub channel every worker listens on: a job id to abort. */
  cancelChannel(): string {
    return `${this.prefix}:cancel`;
  }
  /** Hash: worker id → that worker's published catalog (JSON). */
  catalog(): string {
    return `${this.prefix}:{catalog}`;
  }
  /** Pub/sub channel announcing that the catalog changed. */
  catalogChannel(): string {
    return `${this.prefix}:catalog:changed`;
  }
  /**
   * Hash: one API key (`mcp-fleet keys create`): `h` SHA-256 of its secret, `sub`, `tenant`, `scopes` (space
   * separated), `c` created, `exp` expiry, `rev` revoked (ms since the epoch). Kept after revocation, for `keys list`.
   */
  apiKey(id: string): string {
    return `${this.prefix}:{apikeys}:${id}`;
  }
  /** Set: the ids of every API key, for `keys list` (one hash tag with the keys: created in one MULTI). */
  apiKeyIndex(): string {
    return `${this.prefix}:{apikeys}`;
  }
  /**
   * Hash: front node id → its heartbeat (JSON: version, pid, RSS, open streams, when seen), for the operator console.
   * Refreshed every CATALOG_HEARTBEAT_MS, removed on a clean shutdown; the key's TTL lapses when every node is gone.
   */
  frontNodes(): string {
    return `${this.prefix}:fronts`;
  }
  /**
   * List: the fleet's recent errors and refusals (JSON, newest first), for the operator console. Capped
   * (shared/src/incidents.ts), written at most once a second per process, expires a day after the last write.
   */
  incidents(): string {
    return `${this.prefix}:incidents`;
  }
  /** BullMQ's own key prefix for our queues. */
  bullPrefix(): string {
    return `${this.prefix}:bull`;
  }
}
