// Sessions live in Redis, never in a node's memory (docs/architecture.md, "Processes and what each owns"): any node can serve any request.
import type { Redis } from 'ioredis';
import {
  type FleetKeys,
  sessionMember,
  standaloneStreamId,
  isLogLevel,
  randomId,
  touchSession,
  type Caller,
  type CheckedSession,
  type SessionCheck,
  type LogLevel,
  type SessionRef,
} from '@mcp-fleet/shared';
import type { SessionCaps } from './session-caps.ts';

export interface Session extends SessionRef {
  /** negotiated protocol version; empty until a legacy (HTTP+SSE) session's initialize */
  version: string;
  /** the session was opened with the legacy HTTP+SSE transport (GET /sse) */
  legacy: boolean;
  clientCapabilities: Record<string, unknown>;
  clientInfo: Record<string, unknown>;
  logLevel?: LogLevel;
  createdAt: number;
  /** who makes the request at hand (credentials are checked on every request; never stored) */
  caller?: Caller;
}

/**
 * Recalled sessions: a tool call's session is taken from this node's memory instead of read (one round trip less on
 * the call's path); the script that opens the call's stream then checks that the session still exists and slides
 * its TTL (open-stream-7.lua), so a session deleted or expired on any node is refused as before. What a session
 * keeps never changes after its initialize but its log level, which that script reads back. Only sessions that made
 * a tool call are kept (at most SESSION_CACHE_SIZE; when full, the one kept longest makes room), never HTTP+SSE sessions
 * (their initialize comes after their creation).
 */
export class SessionStore {
  private readonly recalled = new Map<string, Session>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly ttlMs: number,
    /**
     * An HTTP+SSE (2024-11-05) session lives as long as its one connection: on a lease this short, renewed while the
     * connection is open, so a session whose front node died ends by itself (and its calls with it).
     */
    private readonly legacyLeaseMs: number,
    /** live sessions per principal (MAX_SESSIONS_PER_PRINCIPAL); none: not counted */
    private readonly caps?: SessionCaps,
    /** sessions kept for recall (SESSION_CACHE_SIZE); 0: every request reads its session */
    private readonly recallSize = 0,
  ) {}

  /** A new session of `principal`: its keys are under the principal, so no one else can name it. */
  async create(init: Omit<Session, 'sessionId' | 'createdAt' | 'principal'>, principal: string): Promise<Session> {
    const { caller: _c, ...stored } = init;
    const session: Session = { ...stored, principal, sessionId: randomId(18), createdAt: Date.now() };
    const meta = this.keys.streamMeta(session, standaloneStreamId(session.sessionId));
    const ttl = session.legacy ? this.legacyLeaseMs : this.ttlMs;
    await this.caps?.admit(session, ttl);
    await this.redis
      .multi()
      .hset(this.keys.session(session), {
        v: session.version,
        caps: JSON.stringify(session.clientCapabilities),
        info: JSON.stringify(session.clientInfo),
        c: session.createdAt,
        s: session.createdAt,
        ...(session.legacy && { legacy: 1, ttl }),
      })
      .pexpire(this.keys.session(session), ttl)
      // The standalone stream exists from the start, so a GET or a resume finds it even before any event.
      .hset(meta, 'seq', 0)
      .pexpire(meta, ttl)
      .exec();
    // Another slot than the session's keys (a global index): a separate command, not part of the MULTI.
    await this.redis.zadd(this.keys.sessionsIndex(), session.createdAt, sessionMember(session));
    return session;
  }

  /** A legacy session learns its version and capabilities from initialize, after GET /sse created it. */
  async initializeLegacy(
    s: SessionRef,
    init: Pick<Session, 'version' | 'clientCapabilities' | 'clientInfo'>,
  ): Promise<void> {
    await this.redis.hset(this.keys.session(s), {
      v: init.version,
      caps: JSON.stringify(init.clientCapabilities),
      info: JSON.stringify(init.clientInfo),
    });
  }

  /** Loads a session of `principal` and slides its idle TTL; undefined when unknown, expired or someone else's. */
  async touch(sessionId: string, principal: string): Promise<Session | undefined> {
    const ref = { principal, sessionId };
    const h = await touchSession(
      this.redis,
      {
        session: this.keys.session(ref),
        stream: this.keys.stream(ref, standaloneStreamId(sessionId)),
        meta: this.keys.streamMeta(ref, standaloneStreamId(sessionId)),
      },
      this.ttlMs,
    );
    if (!h) {
      this.recalled.delete(recallKey(ref));
      return undefined;
    }
    this.seen(ref, Number(h.s ?? 0), h.ttl ? Number(h.ttl) : this.ttlMs);
    return {
      ...ref,
      version: h.v ?? '',
      legacy: h.legacy === '1',
      clientCapabilities: safeJson(h.caps),
      clientInfo: safeJson(h.info),
      logLevel: isLogLevel(h.lvl) ? h.lvl : undefined,
      createdAt: Number(h.c),
    };
  }

  /**
   * A script read the session last seen at `seenAt`: when it slid the TTL (at most every TTL/8: `seenAt` moves only
   * then), what slides with the session follows — its count entry and its score in the sessions index. The index
   * prunes scores older than the TTL, and a live session slid within it, so a score from its last slide keeps it in.
   */
  private seen(ref: SessionRef, seenAt: number, ttl: number): void {
    const now = Date.now();
    if (now - seenAt <= ttl / 8) return;
    this.caps?.renew(ref, ttl);
    this.redis.zadd(this.keys.sessionsIndex(), now, sessionMember(ref)).catch(() => {});
  }

  /**
   * The session of a tool call, recalled when this node served it a call before (unchecked: the call's stream
   * opening checks it — `check`), else read as `touch` does and kept for the next call.
   */
  async forCall(sessionId: string, principal: string): Promise<{ session: Session; recalled: boolean } | undefined> {
    if (this.recallSize > 0) {
      const known = this.recalled.get(recallKey({ principal, sessionId }));
      if (known) return { session: known, recalled: true };
    }
    const session = await this.touch(sessionId, principal);
    if (!session) return undefined;
    if (this.recallSize > 0 && !session.legacy) {
      if (this.recalled.size >= this.recallSize) this.recalled.delete(this.recalled.keys().next().value!);
      this.recalled.set(recallKey(session), session);
    }
    return { session, recalled: false };
  }

  /** What the opening of a recalled session's call checks (open-stream-7.lua). */
  check(ref: SessionRef): SessionCheck {
    const standalone = standaloneStreamId(ref.sessionId);
    return {
      keys: {
        session: this.keys.session(ref),
        stream: this.keys.stream(ref, standalone),
        meta: this.keys.streamMeta(ref, standalone),
      },
      ttlMs: this.ttlMs,
    };
  }

  /** The opening checked a recalled session: its log level is the one in Redis now; gone ones are forgotten. */
  checked(ref: SessionRef, found: CheckedSession | undefined): LogLevel | undefined {
    const key = recallKey(ref);
    if (!found) {
      this.recalled.delete(key);
      return undefined;
    }
    this.seen(ref, found.seenAt, this.ttlMs);
    const level = isLogLevel(found.logLevel) ? found.logLevel : undefined;
    const known = this.recalled.get(key);
    if (known) known.logLevel = level;
    return level;
  }

  async setLogLevel(s: SessionRef, level: LogLevel): Promise<void> {
    await this.redis.hset(this.keys.session(s), 'lvl', level);
    const known = this.recalled.get(recallKey(s));
    if (known) known.logLevel = level;
  }

  // The session's keys and a URI's subscriber set are in different slots: separate commands, not one pipeline
  // (a Redis Cluster refuses a pipeline across slots). ioredis still writes them together.
  async subscribe(s: SessionRef, uri: string): Promise<void> {
    const mine = this.keys.sessionSubscriptions(s);
    const subscribers = this.keys.resourceSubscribers(uri);
    await Promise.all([
      this.redis.sadd(mine, uri),
      this.redis.pexpire(mine, this.ttlMs),
      this.redis.sadd(subscribers, sessionMember(s)),
      // The set outlives no subscriber by long: it expires a session TTL after the last subscribe to the URI, and
      // members whose session is gone are dropped when an update finds them (shared/src/notify.ts).
      this.redis.pexpire(subscribers, this.ttlMs),
    ]);
  }

  /** Drops sessions idle past their TTL from the sessions index (deleted ones leave it at once). */
  async pruneIndex(): Promise<void> {
    await this.redis.zremrangebyscore(this.keys.sessionsIndex(), '-inf', Date.now() - this.ttlMs);
  }

  async unsubscribe(s: SessionRef, uri: string): Promise<void> {
    await Promise.all([
      this.redis.srem(this.keys.sessionSubscriptions(s), uri),
      this.redis.srem(this.keys.resourceSubscribers(uri), sessionMember(s)),
    ]);
  }

  /** Removes the session; returns the job ids of requests that were still running. */
  async delete(s: SessionRef): Promise<string[]> {
    this.recalled.delete(recallKey(s));
    const replies = ((await this.redis
      .multi()
      .hvals(this.keys.inflight(s))
      .smembers(this.keys.sessionSubscriptions(s))
      .del(this.keys.session(s), this.keys.inflight(s), this.keys.sessionSubscriptions(s))
      .exec()) ?? []) as [Error | null, string[]][];
    const inflight = replies[0]?.[1] ?? [];
    const uris = replies[1]?.[1] ?? [];
    await Promise.all([
      this.redis.zrem(this.keys.sessionsIndex(), sessionMember(s)),
      ...uris.map((uri) => this.redis.srem(this.keys.resourceSubscribers(uri), sessionMember(s))),
      this.caps?.release(s),
    ]);
    return inflight;
  }
}

const recallKey = (s: SessionRef) => `${s.principal}\n${s.sessionId}`;

function safeJson(s: string | undefined): Record<string, unknown> {
  if (!s) return {};
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
