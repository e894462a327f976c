// Where a request comes from: the one place where the two protocol eras differ for the protocol core. A session-era
// request carries its session (version, capabilities, log level, principal); a 2026-07-28 request carries the same
// facts in its `_meta` envelope and gets a key namespace of its own. Everything downstream (the planner, the job,
// the worker) reads only this.
import type { IncomingHttpHeaders } from 'node:http';
import {
  ANONYMOUS_CALLER,
  isLogLevel,
  randomId,
  type Caller,
  type Era,
  type LogLevel,
  type SessionRef,
} from '@mcp-fleet/shared';
import { legacyLeaseMs, type FrontDeps } from '../deps.ts';
import type { Authenticated } from '../auth/authenticator.ts';
import type { Session } from '../sessions/session-store.ts';

export interface RequestOrigin {
  era: Era;
  /** who is calling (verified claims and scopes; `ctx.principal` in tools) */
  caller: Caller;
  /** where the call's keys live: the session, or (2026-07-28) a namespace of the call's own */
  session: SessionRef;
  /** the session itself, for the session era's own methods (logging/setLevel, resources/subscribe) */
  sessionRecord?: Session;
  protocolVersion: string;
  clientCapabilities: Record<string, unknown>;
  /** the level logs must pass; unset: the server's default; 'none': the request asked for no logs */
  logLevel?: LogLevel | 'none';
  /** how long the call's session-wide keys (in-flight map, pending questions) live */
  sessionTtlMs: number;
  headers: IncomingHttpHeaders | Record<string, string>;
}

export function sessionOrigin(deps: FrontDeps, session: Session, headers: IncomingHttpHeaders): RequestOrigin {
  return {
    era: 'session',
    caller: session.caller ?? ANONYMOUS_CALLER,
    session: { principal: session.principal, sessionId: session.sessionId },
    sessionRecord: session,
    protocolVersion: session.version,
    clientCapabilities: session.clientCapabilities,
    logLevel: session.logLevel,
    // An HTTP+SSE session lives on its connection's lease (session-store.ts): its calls' keys live as long.
    sessionTtlMs: session.legacy ? legacyLeaseMs(deps.config) : deps.config.SESSION_TTL_SECONDS * 1000,
    headers,
  };
}

const META = 'io.modelcontextprotocol/';

export function modernOrigin(
  deps: FrontDeps,
  envelope: Record<string, unknown>,
  headers: Record<string, string>,
  who: Authenticated,
): RequestOrigin {
  const level = envelope[`${META}logLevel`];
  const caps = envelope[`${META}clientCapabilities`];
  return {
    era: 'modern',
    caller: who.caller,
    session: { principal: who.principal, sessionId: randomId(12) },
    protocolVersion: String(envelope[`${META}protocolVersion`] ?? '2026-07-28'),
    clientCapabilities: typeof caps === 'object' && caps !== null ? (caps as Record<string, unknown>) : {},
    // 2026-07-28: no notifications/message unless the request asked for a level.
    logLevel: isLogLevel(level) ? level : 'none',
    // No session: the call's keys live as long as its stream.
    sessionTtlMs: deps.config.STREAM_TTL_SECONDS * 1000,
    headers,
  };
}
