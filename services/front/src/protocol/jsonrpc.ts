// Parses and classifies a POST body as JSON-RPC, using the official SDK's schemas (validation at the edge).
import {
  JSONRPCNotificationSchema,
  JSONRPCRequestSchema,
  JSONRPCResultResponseSchema,
  JSONRPCErrorResponseSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { FleetError, type JsonRpcId } from '@mcp-fleet/shared';

export interface RpcRequest {
  kind: 'request';
  id: JsonRpcId;
  method: string;
  params: Record<string, unknown>;
}
export interface RpcNotification {
  kind: 'notification';
  method: string;
  params: Record<string, unknown>;
}
export interface RpcResponse {
  kind: 'response';
  id: JsonRpcId;
  raw: unknown;
}
export type RpcMessage = RpcRequest | RpcNotification | RpcResponse;

/** Parses JSON text; a syntax error becomes -32700 with the parser's explanation. */
/**
 * Parses a POST body: JSON text in an `application/json` request, else 415 (with the body's id when it is JSON all
 * the same); a syntax error becomes -32700 with the parser's explanation.
 */
export function parseBody(contentType: string | undefined, text: string, maxDepth: number): unknown {
  const essence = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (essence !== 'application/json') {
    let id: JsonRpcId | null = null;
    try {
      id = readableId(JSON.parse(text));
    } catch {
      // not JSON either: no id to carry
    }
    throw new FleetError('UNSUPPORTED_MEDIA_TYPE', { id });
  }
  return parseJson(text, maxDepth);
}

export function parseJson(text: string, maxDepth: number): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new FleetError('PARSE_ERROR', { args: [(err as Error).message] });
  }
  // Deeply nested values would exhaust the stack of every validator and serializer after us: refused here.
  if (depthOf(value, maxDepth) > maxDepth) {
    throw new FleetError('INVALID_REQUEST', {
      args: [`the body is nested deeper than ${maxDepth} levels (MAX_ARGUMENT_DEPTH)`],
      id: readableId(value),
    });
  }
  return value;
}

/** How deeply a JSON value nests, counted without recursion; stops counting past `limit`. */
function depthOf(value: unknown, limit: number): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d > max) max = d;
    if (max > limit) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

/** Classifies one JSON value as a JSON-RPC message, or throws -32600 saying what is wrong with it. */
export function classify(value: unknown): RpcMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FleetError('INVALID_REQUEST', { args: ['expected a JSON-RPC 2.0 object'] });
  }
  const obj = value as Record<string, unknown>;
  if (obj.jsonrpc !== '2.0')
    throw new FleetError('INVALID_REQUEST', { args: ['"jsonrpc" must be "2.0"'], id: idOf(obj) });
  if ('method' in obj) {
    if ('id' in obj) {
      const r = JSONRPCRequestSchema.safeParse(obj);
      if (!r.success) throw new FleetError('INVALID_REQUEST', { args: [describe(r.error)], id: idOf(obj) });
      return {
        kind: 'request',
        id: r.data.id,
        method: r.data.method,
        params: (r.data.params ?? {}) as Record<string, unknown>,
      };
    }
    const n = JSONRPCNotificationSchema.safeParse(obj);
    if (!n.success) throw new FleetError('INVALID_REQUEST', { args: [describe(n.error)] });
    return { kind: 'notification', method: n.data.method, params: (n.data.params ?? {}) as Record<string, unknown> };
  }
  if ('result' in obj || 'error' in obj) {
    const r = 'result' in obj ? JSONRPCResultResponseSchema.safeParse(obj) : JSONRPCErrorResponseSchema.safeParse(obj);
    if (!r.success) throw new FleetError('INVALID_REQUEST', { args: [describe(r.error)], id: idOf(obj) });
    return { kind: 'response', id: (obj.id ?? null) as JsonRpcId, raw: obj };
  }
  throw new FleetError('INVALID_REQUEST', {
    args: ['a JSON-RPC message needs "method" (request or notification) or "result"/"error"'],
    id: idOf(obj),
  });
}

function idOf(obj: Record<string, unknown>): JsonRpcId | null {
  return typeof obj.id === 'string' || typeof obj.id === 'number' ? obj.id : null;
}

/** The id of a parsed body when it has a readable one (a single message with a string or number id). */
export function readableId(body: unknown): JsonRpcId | null {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? idOf(body as Record<string, unknown>)
    : null;
}

function describe(err: { issues: { path: PropertyKey[]; message: string }[] }): string {
  return err.issues.map((i) => `${i.path.map(String).join('.') || 'message'}: ${i.message}`).join('; ');
}
