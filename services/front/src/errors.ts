// Every error a front node answers with, in one table: HTTP status, JSON-RPC code and a message a person can act
// on. Routes throw `FleetError`s; the error handler (http/error-handler.ts) turns them into JSON-RPC error bodies.
import type { JsonRpcId } from '@mcp-fleet/shared';

export const JSONRPC = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** transport-level problems (the SDK's convention for "Bad Request" conditions) */
  SERVER_ERROR: -32000,
  /** the SDK's code for an unknown or expired session */
  SESSION_NOT_FOUND: -32001,
} as const;

interface ErrorSpec {
  status: number;
  code: number;
  message: string;
}

/** The table. `message` may hold `{0}`, `{1}`… filled from the thrown error's arguments. */
export const ERRORS = {
  ORIGIN_FORBIDDEN: { status: 403, code: JSONRPC.SERVER_ERROR, message: 'Forbidden: Origin {0} is not allowed' },
  NOT_ACCEPTABLE_POST: {
    status: 406,
    code: JSONRPC.SERVER_ERROR,
    message:
      'Not Acceptable: the Accept header must allow application/json (and text/event-stream for streamed answers)',
  },
  NOT_ACCEPTABLE_GET: {
    status: 406,
    code: JSONRPC.SERVER_ERROR,
    message: 'Not Acceptable: a GET stream needs an Accept header that allows text/event-stream',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    code: JSONRPC.SERVER_ERROR,
    message: 'Unsupported Media Type: the body must be application/json',
  },
  BODY_TOO_LARGE: {
    status: 413,
    code: JSONRPC.SERVER_ERROR,
    message: 'Payload Too Large: the body exceeds the limit of {0} bytes (MAX_BODY_BYTES)',
  },
  PARSE_ERROR: { status: 400, code: JSONRPC.PARSE_ERROR, message: 'Parse error: the body is not valid JSON ({0})' },
  INVALID_REQUEST: { status: 400, code: JSONRPC.INVALID_REQUEST, message: 'Invalid Request: {0}' },
  BATCH_NOT_SUPPORTED: {
    status: 400,
    code: JSONRPC.INVALID_REQUEST,
    message: 'Invalid Request: JSON-RPC batches are only accepted from sessions that negotiated 2025-03-26',
  },
  UNSUPPORTED_PROTOCOL_VERSION: {
    status: 400,
    code: JSONRPC.SERVER_ERROR,
    message: 'Bad Request: unsupported MCP-Protocol-Version {0} (supported: {1})',
  },
  SESSION_REQUIRED: {
    status: 400,
    code: JSONRPC.SERVER_ERROR,
    message: 'Bad Request: Mcp-Session-Id header is required (send initialize first to get one)',
  },
  INITIALIZE_WITH_SESSION: {
    status: 400,
    code: JSONRPC.INVALID_REQUEST,
    message: 'Invalid Request: initialize must be sent without an Mcp-Session-Id header',
  },
  SESSION_NOT_FOUND: {
    status: 404,
    code: JSONRPC.SESSION_NOT_FOUND,
    message: 'Session not found: it expired or was deleted; send initialize to start a new one',
  },
  LAST_EVENT_ID_INVALID: {
    status: 400,
    code: JSONRPC.SERVER_ERROR,
    message: 'Bad Request: Last-Event-ID {0} does not name a stream of this session',
  },
  STREAM_GONE: {
    status: 410,
    code: JSONRPC.SERVER_ERROR,
    message: 'Gone: the events after {0} are no longer retained (stream expired or trimmed); retry the request',
  },
  METHOD_NOT_ALLOWED: { status: 405, code: JSONRPC.SERVER_ERROR, message: 'Method Not Allowed: {0}' },
  REDIS_UNAVAILABLE: {
    status: 503,
    code: JSONRPC.INTERNAL_ERROR,
    message: 'Service Unavailable: the session store cannot be reached; retry shortly',
  },
  SHUTTING_DOWN: {
    status: 503,
    code: JSONRPC.INTERNAL_ERROR,
    message: 'Service Unavailable: this node is shutting down',
  },
  INTERNAL: { status: 500, code: JSONRPC.INTERNAL_ERROR, message: 'Internal error: {0}' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorName = keyof typeof ERRORS;

export class FleetError extends Error {
  readonly status: number;
  code: number;
  constructor(
    readonly errorName: ErrorName,
    args: string[] = [],
    readonly id: JsonRpcId | null = null,
  ) {
    const spec: ErrorSpec = ERRORS[errorName];
    super(spec.message.replace(/\{(\d)\}/g, (_, i: string) => args[Number(i)] ?? ''));
    this.status = spec.status;
    this.code = spec.code;
  }
}

/** A JSON-RPC error answer to a request that reached the protocol layer (HTTP 200; it is the request's response). */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export function errorBody(id: JsonRpcId | null, code: number, message: string, data?: unknown) {
  return { jsonrpc: '2.0' as const, id, error: data === undefined ? { code, message } : { code, message, data } };
}
