// Building and validating JSON-RPC messages.
import { FleetError, type ErrorName, type JsonRpcId } from '@mcp-fleet/shared';
import type { JsonRpcResponse } from './exchange.ts';

type Schema<T> = {
  safeParse(
    v: unknown,
  ): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
};

/**
 * Validates a message against the SDK's schema; a mismatch is -32602 saying what is wrong (as the request's answer,
 * or as `errorName` where the eras' rules make it an HTTP error).
 */
export function paramsOf<T>(
  schema: Schema<T>,
  msg: { method: string; params: Record<string, unknown> },
  errorName: Extract<ErrorName, 'INVALID_PARAMS' | 'INITIALIZE_INVALID'> = 'INVALID_PARAMS',
): T {
  const r = schema.safeParse({ method: msg.method, params: msg.params });
  if (!r.success) {
    const what = r.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ');
    throw new FleetError(errorName, { args: [msg.method, what] });
  }
  return r.data;
}

export function resultResponse(id: JsonRpcId, result: unknown): JsonRpcResponse {
  return { jsonrpc: '2.0', id, result };
}
