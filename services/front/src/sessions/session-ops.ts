// Session operations the HTTP routes share: finding the session a request names, and ending one.
import { FleetError, standaloneStreamId, type JsonRpcId } from '@mcp-fleet/shared';
import { retention, type FrontDeps } from '../deps.ts';
import type { Session } from './session-store.ts';
import type { Authenticated } from '../auth/authenticator.ts';

/**
 * The session a request names (and its idle TTL slides), as the caller sees it; 400 without an id, 404 for an
 * unknown or expired one — and for another principal's: its keys are under that principal, so it is not found.
 */
export async function requireSession(
  deps: FrontDeps,
  sessionId: string | undefined,
  id: JsonRpcId | null,
  who: Authenticated,
): Promise<Session> {
  if (sessionId === undefined) throw new FleetError('SESSION_REQUIRED', { id });
  const session = await deps.sessions.touch(sessionId, who.principal);
  if (!session) throw new FleetError('SESSION_NOT_FOUND', { id });
  return Object.assign({}, session, { caller: who.caller }); // not a spread: slow on Node 20 (docs/architecture.md)
}

/**
 * The session of a tool call: recalled from this node's memory when it served the session a call before (then
 * `recalled`: the call's stream opening checks the session — session-store.ts, "Recalled sessions"), else read as
 * requireSession does.
 */
export async function callSession(
  deps: FrontDeps,
  sessionId: string | undefined,
  id: JsonRpcId | null,
  who: Authenticated,
): Promise<{ session: Session; recalled: boolean }> {
  if (sessionId === undefined) throw new FleetError('SESSION_REQUIRED', { id });
  const found = await deps.sessions.forCall(sessionId, who.principal);
  if (!found) throw new FleetError('SESSION_NOT_FOUND', { id });
  return { session: Object.assign({}, found.session, { caller: who.caller }), recalled: found.recalled };
}

/** A recalled session, read after all (a call that will not open a stream); 404 when it is gone. */
export async function confirmSession(deps: FrontDeps, session: Session, id: JsonRpcId | null): Promise<void> {
  if (!(await deps.sessions.touch(session.sessionId, session.principal))) {
    throw new FleetError('SESSION_NOT_FOUND', { id });
  }
}

/** Ends a session: running calls are cancelled, their streams and the standalone stream end, later requests 404. */
export async function deleteSession(deps: FrontDeps, session: Session): Promise<void> {
  const jobIds = await deps.sessions.delete(session);
  // Jobs on their own stream have the stream's id; jobs on the shared stream end with it.
  const ownStreams = jobIds.filter((id) => !id.includes('.'));
  await deps.dispatcher.endSession(
    session,
    jobIds,
    [...ownStreams, standaloneStreamId(session.sessionId)],
    retention(deps.config),
  );
  deps.log.info({ session: session.sessionId, cancelled: jobIds.length }, 'session deleted');
}
