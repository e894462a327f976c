// Partial results (incremental tool output), opt-in per call: SEP-2998's wire shape under mcp-fleet's own prefix
// until the SEP is accepted (docs: README, "Long-running jobs"). A client that wants them puts a token in the call's
// `_meta`; it then receives `notifications/mcp-fleet/partial_result` chunks on the call's stream —
// `{ partialResultToken, seq, content, structuredContent?, final }`, seq from 0, strictly increasing; the chunk with
// `final: true` ends them, and carries `error` when the call failed or was cancelled. The call's result is always
// complete and authoritative; a client that did not opt in receives only that.

/** `_meta` key of a call's opt-in: its value is the token every chunk carries. */
export const PARTIAL_RESULT_TOKEN_META = 'mcp-fleet/partialResultToken';
export const PARTIAL_RESULT_METHOD = 'notifications/mcp-fleet/partial_result';
/** `_meta` key of a task's tasks/get: `{ seq, content }`, the chunks its call has sent so far (any node). */
export const PARTIAL_RESULTS_META = 'mcp-fleet/partialResults';

/** The token a call opted in with, or undefined. */
export function partialResultToken(params: Record<string, unknown>): string | number | undefined {
  const t = (params._meta as Record<string, unknown> | undefined)?.[PARTIAL_RESULT_TOKEN_META];
  return typeof t === 'string' || typeof t === 'number' ? t : undefined;
}
