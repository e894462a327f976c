// Errors a tool throws to answer its call with a JSON-RPC error instead of a tool result: the call failed at the
// protocol level (an upstream API refused, a dependency is down), not in a way the model could correct. A task whose
// tool throws one ends `failed` with that error; any other throw is an `isError` result (a `completed` task in
// 2026-07-28, `failed` with the text as statusMessage in 2025-11-25).
export class ToolProtocolError extends Error {
  override name = 'ToolProtocolError';
}
