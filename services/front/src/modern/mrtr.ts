// Multi-round-trip requests (2026-07-28 MRTR) over parked jobs. A job that asks the client something stays parked
// on its worker; the call answers `input_required` with the questions and a signed requestState naming the job and
// how far the client has seen its stream. The client's retry, on any node, carries the answers: they are handed
// to the job through Redis (as a 2025-era client's answer POST would be) and the stream is followed from there.
import { decodeEntries, entryId, FleetError } from '@mcp-fleet/shared';
import type { FrontDeps } from '../deps.ts';
import type { FollowedCall, Questions } from './follow-job.ts';
import type { ParkedCall } from './request-state.ts';

export type Continuation =
  | { kind: 'follow'; call: FollowedCall; afterSeq: number }
  /** some answers were missing: ask again for those (SEP-2322 recommends re-requesting over an error) */
  | { kind: 'ask-again'; questions: Questions; parked: ParkedCall };

/**
 * Continues the parked call a retry's requestState names. The state must belong to this request (method, target,
 * arguments); answers present are delivered, and missing ones are asked for again.
 */
export async function continueParked(
  deps: FrontDeps,
  principal: string,
  parked: ParkedCall,
  digest: string,
  responses: Record<string, unknown>,
  id: string | number,
): Promise<Continuation> {
  if (parked.d !== digest) throw new FleetError('REQUEST_STATE_MISMATCH', { era: 'modern', id });
  // The state is bound to its principal (request-state.ts): the namespace is the caller's own.
  const session = { principal, sessionId: parked.n };
  const call = { session, streamId: parked.j, jobId: parked.j };
  const missing = parked.r.filter((key) => !(key in responses));
  for (const key of parked.r) {
    if (key in responses)
      await deps.dispatcher.deliverAnswer(session, parked.j, key, { jsonrpc: '2.0', id: key, result: responses[key] });
  }
  if (missing.length === 0) return { kind: 'follow', call, afterSeq: parked.q };
  const asked = await questionsAt(deps, session, parked.j, parked.q);
  const again = Object.fromEntries(Object.entries(asked).filter(([key]) => missing.includes(key)));
  if (Object.keys(again).length < missing.length) {
    // The stream no longer holds the questions (expired): nothing to ask again.
    throw new FleetError('REQUEST_STATE_INVALID', { era: 'modern', id });
  }
  return { kind: 'ask-again', questions: again, parked: { ...parked, r: missing } };
}

/** The questions a parked call's stream holds at `seq` (the inputRequests event the client was shown). */
async function questionsAt(
  deps: FrontDeps,
  session: { principal: string; sessionId: string },
  streamId: string,
  seq: number,
): Promise<Questions> {
  const raw = (await deps.redis.xrange(deps.keys.stream(session, streamId), entryId(seq), entryId(seq))) as [
    string,
    string[],
  ][];
  const ev = decodeEntries(raw)[0];
  if (ev?.kind !== 'inputRequests') return {};
  return (JSON.parse(ev.data) as { inputRequests: Questions }).inputRequests;
}
