// Building and validating JSON-RPC messages.
import { JSONRPC, RpcError } from '../errors.ts';
import type { JsonRpcId } from '@mcp-fleet/shared';
import type { JsonRpcResponse } from './exchange.ts';

type Schema<T> = {
  safeParse(
    v: unknown,
  ): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
};

/** Validates a message against the SDK's schema; a mismatch is -32602 saying what is wrong. */
export function paramsOf<T>(schema: Schema<T>, msg: { method: string; params: Record<string, unknown> }): T {
  const r = schema.safeParse({ method: msg.method, params: msg.params });
  if (!r.success) {
    const what = r.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ');
    throw new RpcError(JSONRPC.INVALID_PARAMS, `Invalid params for ${msg.method}: ${what}`);
  }
  return r.data;
}

export function resultResponse(id: JsonRpcId, result: unknown): JsonRpcResponse {
  return { jsonrpc: '2.0', id, result };
}

export function errorResponse(id: JsonRpcId | null, code: number, message: string, data?: unknown): JsonRpcResponse {
  return { jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } };
}
