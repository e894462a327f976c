// Sessions live in Redis, never in a node's memory (DESIGN invariant 1): any node can serve any request.
import type { Redis } from 'ioredis';
import {
  FleetKeys, standaloneStreamId, isLogLevel, randomId, touchSession,
  type LogLevel, type SessionRef, type StreamableVersion,
} from '@mcp-fleet/shared';

export interface Session extends SessionRef {
  version: StreamableVersion;
  clientCapabilities: Record<string, unknown>;
  clientInfo: Record<string, unknown>;
  logLevel?: LogLevel;
  createdAt: number;
}

/** Until authentication lands every caller is the same principal; keys already carry it (see keys.ts). */
export const ANONYMOUS = 'anon';

export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly ttlMs: number,
  ) {}

  async create(init: Omit<Session, 'sessionId' | 'createdAt' | 'principal'>, principal = ANONYMOUS): Promise<Session> {
    const session: Session = { ...init, principal, sessionId: randomId(18), createdAt: Date.now() };
    const meta = this.keys.streamMeta(session, standaloneStreamId(session.sessionId));
    await this.redis
      .multi()
      .hset(this.keys.session(session), {
        v: session.version,
        caps: JSON.stringify(session.clientCapabilities),
        info: JSON.stringify(session.clientInfo),
        c: session.createdAt,
        s: session.createdAt,
      })
      .pexpire(this.keys.session(session), this.ttlMs)
      // The standalone stream exists from the start, so a GET or a resume finds it even before any event.
      .hset(meta, 'seq', 0)
      .pexpire(meta, this.ttlMs)
      .exec();
    return session;
  }

  /** Loads a session and slides its idle TTL; undefined when unknown or expired. */
  async touch(sessionId: string, principal = ANONYMOUS): Promise<Session | undefined> {
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
    if (!h) return undefined;
    return {
      ...ref,
      version: h.v as StreamableVersion,
      clientCapabilities: safeJson(h.caps),
      clientInfo: safeJson(h.info),
      logLevel: isLogLevel(h.lvl) ? h.lvl : undefined,
      createdAt: Number(h.c),
    };
  }

  async setLogLevel(s: SessionRef, level: LogLevel): Promise<void> {
    await this.redis.hset(this.keys.session(s), 'lvl', level);
  }

  /** Removes the session; returns the stream ids of requests that were still running. */
  async delete(s: SessionRef): Promise<string[]> {
    const [[, inflight] = [], ] = (await this.redis
      .multi()
      .hvals(this.keys.inflight(s))
      .del(this.keys.session(s), this.keys.inflight(s))
      .exec()) ?? [];
    return (inflight as string[] | undefined) ?? [];
  }
}

function safeJson(s: string | undefined): Record<string, unknown> {
  if (!s) return {};
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
