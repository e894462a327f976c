// Every error mcp-fleet answers with, in one table (as fastify's lib/errors.js): a name, the HTTP status of the
// response that carries it, the JSON-RPC code, and a message a person can act on. Front nodes and workers throw
// `FleetError`s by name; nobody else writes an error code. Where the two protocol eras differ (a missing resource
// is -32002 for 2025-era clients and -32602 for 2026-07-28 ones), an entry has a value per era.
// The README's error table lists every entry by name; services/front/test/error-catalogue.test.ts holds the two
// to each other.

/** JSON-RPC codes: the spec's, and the SDKs' conventions for HTTP-level conditions. */
export const RPC_CODES = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** transport-level problems of the session era (the SDK's "Bad Request" convention) */
  SERVER_ERROR: -32000,
  /** the SDK's code for an unknown or expired session */
  SESSION_NOT_FOUND: -32001,
  /** MCP's resource-not-found before 2026-07-28 */
  RESOURCE_NOT_FOUND: -32002,
  /** 2026-07-28: HTTP headers and body disagree */
  HEADER_MISMATCH: -32020,
  /** 2026-07-28: the request needs a client capability the client did not declare */
  MISSING_CLIENT_CAPABILITY: -32021,
  /** 2026-07-28: the requested protocol version is not served */
  UNSUPPORTED_PROTOCOL_VERSION: -32022,
} as const;

/** The session era (2024-11-05 … 2025-11-25) or the stateless era (2026-07-28 on). */
export type Era = 'session' | 'modern';

type PerEra<T> = T | { session: T; modern: T };

export interface ErrorEntry {
  /** HTTP status of the response; 200 means the error is the request's JSON-RPC response (on its stream or body) */
  status: PerEra<number>;
  code: PerEra<number>;
  /** `{0}`, `{1}`… are filled from the thrown error's arguments */
  message: string;
  /** which eras can produce it (both when absent) */
  eras?: Era[];
  /** answered by the official SDK's 2026-07-28 handler, listed here so the README documents it */
  bySdk?: true;
}

const C = RPC_CODES;

export const ERRORS = {
  // Authentication and authorization (services/front/src/auth/): before anything else about the request.
  AUTH_REQUIRED: {
    status: 401,
    code: C.SERVER_ERROR,
    message: 'Unauthorized: this server needs credentials (an OAuth bearer token or an API key); see WWW-Authenticate',
  },
  TOKEN_INVALID: { status: 401, code: C.SERVER_ERROR, message: 'Unauthorized: the access token is not valid: {0}' },
  INSUFFICIENT_SCOPE: {
    status: 403,
    code: C.SERVER_ERROR,
    message: 'Forbidden: {0} needs the scope {1}, which this token does not grant',
  },
  AUTH_SERVER_UNAVAILABLE: {
    status: 503,
    code: C.INTERNAL_ERROR,
    message:
      'Service Unavailable: the authorization server could not be reached to check the token ({0}); retry shortly',
  },
  // Fair use (services/front/src/quotas/): per principal, fleet-wide.
  RATE_LIMITED: {
    status: 429,
    code: C.SERVER_ERROR,
    message: 'Too Many Requests: {0} allows {1} per {2} s; retry in {3} s',
  },
  CALLS_IN_FLIGHT_QUOTA: {
    status: 429,
    code: C.SERVER_ERROR,
    message:
      'Too Many Requests: {0} calls of this caller are waiting, running or parked (MAX_CALLS_IN_FLIGHT_PER_PRINCIPAL); retry when one ends',
  },
  // HTTP: checked before a request reaches the protocol core.
  ORIGIN_FORBIDDEN: { status: 403, code: C.SERVER_ERROR, message: 'Forbidden: Origin {0} is not allowed' },
  HOST_FORBIDDEN: {
    status: 403,
    code: C.SERVER_ERROR,
    message: 'Forbidden: Host {0} is not allowed (ALLOWED_HOSTS); connect by a host name this server is configured for',
  },
  NOT_ACCEPTABLE_POST: {
    status: 406,
    code: C.SERVER_ERROR,
    message:
      'Not Acceptable: the Accept header must allow application/json (and text/event-stream for streamed answers)',
  },
  NOT_ACCEPTABLE_GET: {
    status: 406,
    code: C.SERVER_ERROR,
    message: 'Not Acceptable: a GET stream needs an Accept header that allows text/event-stream',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    code: C.SERVER_ERROR,
    message: 'Unsupported Media Type: the body must be application/json',
  },
  BODY_TOO_LARGE: {
    status: 413,
    code: C.SERVER_ERROR,
    message: 'Payload Too Large: the body exceeds the limit of {0} bytes (MAX_BODY_BYTES)',
  },
  PARSE_ERROR: { status: 400, code: C.PARSE_ERROR, message: 'Parse error: the body is not valid JSON ({0})' },
  INVALID_REQUEST: { status: 400, code: C.INVALID_REQUEST, message: 'Invalid Request: {0}' },
  BATCH_NOT_SUPPORTED: {
    status: 400,
    code: C.INVALID_REQUEST,
    message: 'Invalid Request: JSON-RPC batches are only accepted from sessions that negotiated 2025-03-26',
    eras: ['session'],
  },
  UNSUPPORTED_PROTOCOL_VERSION: {
    status: 400,
    code: { session: C.SERVER_ERROR, modern: C.UNSUPPORTED_PROTOCOL_VERSION },
    message: 'Bad Request: unsupported MCP-Protocol-Version {0} (supported: {1})',
  },
  HEADER_MISMATCH: {
    status: 400,
    code: C.HEADER_MISMATCH,
    message: 'Bad Request: the request headers and body disagree: {0}',
    eras: ['modern'],
  },
  ENVELOPE_INVALID: {
    status: 400,
    code: C.INVALID_PARAMS,
    message: 'Invalid params: the request _meta lacks the 2026-07-28 envelope (protocolVersion, clientCapabilities)',
    eras: ['modern'],
    bySdk: true,
  },
  METHOD_NOT_ALLOWED: { status: 405, code: C.SERVER_ERROR, message: 'Method Not Allowed: {0}' },
  NOT_FOUND: { status: 404, code: C.SERVER_ERROR, message: 'Not Found: {0} (the MCP endpoint is elsewhere)' },
  // Sessions and resumption (session era).
  SESSION_REQUIRED: {
    status: 400,
    code: C.SERVER_ERROR,
    message: 'Bad Request: Mcp-Session-Id header is required (send initialize first to get one)',
    eras: ['session'],
  },
  INITIALIZE_WITH_SESSION: {
    status: 400,
    code: C.INVALID_REQUEST,
    message: 'Invalid Request: initialize must be sent without an Mcp-Session-Id header',
    eras: ['session'],
  },
  INITIALIZE_INVALID: {
    status: 400,
    code: C.INVALID_PARAMS,
    message: 'Invalid params for {0}: {1}',
    eras: ['session'],
  },
  CLIENT_METADATA_TOO_LARGE: {
    status: 400,
    code: C.INVALID_PARAMS,
    message:
      'Invalid params: {0} take {1} bytes of JSON, over the limit of {2} (MAX_CLIENT_METADATA_BYTES); send less (large capabilities.experimental entries are the usual cause)',
  },
  TOO_MANY_SESSIONS: {
    status: 429,
    code: C.SERVER_ERROR,
    message:
      'Too Many Requests: {0} already holds {1} live sessions (MAX_SESSIONS_PER_PRINCIPAL); end one with DELETE, or retry after Retry-After seconds',
    eras: ['session'],
  },
  TOO_MANY_STREAMS: {
    status: 429,
    code: C.SERVER_ERROR,
    message:
      'Too Many Requests: this session already holds {0} open SSE streams (MAX_STREAMS_PER_SESSION); close one, or retry after Retry-After seconds',
    eras: ['session'],
  },
  SESSION_NOT_FOUND: {
    status: 404,
    code: C.SESSION_NOT_FOUND,
    message: 'Session not found: it expired or was deleted; send initialize to start a new one',
    eras: ['session'],
  },
  LAST_EVENT_ID_INVALID: {
    status: 400,
    code: C.SERVER_ERROR,
    message: 'Bad Request: Last-Event-ID {0} does not name a stream of this session',
    eras: ['session'],
  },
  STREAM_GONE: {
    status: 410,
    code: C.SERVER_ERROR,
    message: 'Gone: the events after {0} are no longer retained (stream expired or trimmed); retry the request',
    eras: ['session'],
  },
  // The request's JSON-RPC answer (HTTP 200, or its own stream).
  METHOD_NOT_FOUND: {
    status: { session: 200, modern: 404 },
    code: C.METHOD_NOT_FOUND,
    message: 'Method not found: {0}',
  },
  ALREADY_INITIALIZED: {
    status: 200,
    code: C.INVALID_REQUEST,
    message: 'Invalid Request: this session is already initialized; initialize without a session to start another',
    eras: ['session'],
  },
  INITIALIZE_IN_BATCH: {
    status: 200,
    code: C.INVALID_REQUEST,
    message: 'Invalid Request: initialize must not be part of a batch',
    eras: ['session'],
  },
  DUPLICATE_REQUEST_ID: {
    status: 200,
    code: C.INVALID_REQUEST,
    message:
      'Invalid Request: id {0} is already used by another request in progress in this session; ids must be unique among requests in progress',
    eras: ['session'],
  },
  INVALID_PARAMS: { status: 200, code: C.INVALID_PARAMS, message: 'Invalid params for {0}: {1}' },
  INVALID_CURSOR: { status: 200, code: C.INVALID_PARAMS, message: 'Invalid cursor: {0}' },
  UNKNOWN_TOOL: { status: 200, code: C.INVALID_PARAMS, message: 'Unknown tool: {0}' },
  UNKNOWN_PROMPT: { status: 200, code: C.INVALID_PARAMS, message: 'Unknown prompt: {0}' },
  PROMPT_ARGUMENTS_MISSING: {
    status: 200,
    code: C.INVALID_PARAMS,
    message: 'Prompt {0} needs the argument(s): {1}',
  },
  UNKNOWN_COMPLETION_REF: {
    status: 200,
    code: C.INVALID_PARAMS,
    message: 'Unknown completion reference: {0}',
  },
  RESOURCE_NOT_FOUND: {
    status: 200,
    code: { session: C.RESOURCE_NOT_FOUND, modern: C.INVALID_PARAMS },
    message: 'Resource not found: {0}',
  },
  MISSING_CLIENT_CAPABILITY: {
    status: 400,
    code: C.MISSING_CLIENT_CAPABILITY,
    message: 'Missing client capability: {0} needs {1}, which the request does not declare',
    eras: ['modern'],
  },
  REQUEST_STATE_MISMATCH: {
    status: 200,
    code: C.INVALID_PARAMS,
    message: 'Invalid params: requestState does not belong to this request (different method, target or arguments)',
    eras: ['modern'],
  },
  REQUEST_STATE_INVALID: {
    status: 200,
    code: C.INVALID_PARAMS,
    message: 'Invalid params: requestState is not one this server issued, was altered, or expired',
    eras: ['modern'],
    bySdk: true,
  },
  // Tasks (2025-11-25 core, 2026-07-28 extension).
  TASK_NOT_SUPPORTED: {
    status: 200,
    code: C.METHOD_NOT_FOUND,
    message: 'Method not found: tool {0} cannot be called as a task (its execution.taskSupport is forbidden)',
    eras: ['session'],
  },
  TASK_REQUIRED: {
    status: 200,
    code: C.METHOD_NOT_FOUND,
    message: 'Method not found: tool {0} must be called as a task (add params.task)',
    eras: ['session'],
  },
  TASK_NOT_FOUND: {
    status: 200,
    code: C.INVALID_PARAMS,
    message: 'Failed to retrieve task: Task {0} not found (it expired, or belongs to another caller)',
  },
  TASK_TERMINAL: {
    status: 200,
    code: C.INVALID_PARAMS,
    message: 'Invalid params: task {0} is already {1} and cannot be cancelled',
    eras: ['session'],
  },
  TASK_NO_RESULT: {
    status: 200,
    code: C.INVALID_PARAMS,
    message: 'Invalid params: task {0} was cancelled, so it has no result',
    eras: ['session'],
  },
  CALL_NOT_ANSWERED: {
    status: 200,
    code: C.INTERNAL_ERROR,
    message: 'Internal error: {0} ended without an answer ({1})',
  },
  HANDLER_FAILED: { status: 200, code: C.INTERNAL_ERROR, message: 'Internal error: {0} failed: {1}' },
  CALL_STATE_LOST: {
    status: 200,
    code: C.INTERNAL_ERROR,
    message: "Internal error: the call's state was lost (Redis lost its data); call it again if that is safe",
  },
  // The metrics endpoint (METRICS_PATH).
  METRICS_UNAUTHORIZED: {
    status: 401,
    code: C.SERVER_ERROR,
    message: 'Unauthorized: metrics need Authorization: Bearer <METRICS_TOKEN>',
  },
  METRICS_FORBIDDEN: {
    status: 403,
    code: C.SERVER_ERROR,
    message: 'Forbidden: without METRICS_TOKEN, metrics are served only on a loopback bind address (HOST)',
  },
  // The operator console (/console, CONSOLE_ENABLED).
  CONSOLE_UNAUTHORIZED: {
    status: 401,
    code: C.SERVER_ERROR,
    message: 'Unauthorized: the console needs a credential (sign in at /console, or send Authorization: Bearer …)',
  },
  CONSOLE_FORBIDDEN: {
    status: 403,
    code: C.SERVER_ERROR,
    message: 'Forbidden: the console needs the scope {0}, which this credential does not grant',
  },
  // The service itself.
  REDIS_UNAVAILABLE: {
    status: 503,
    code: C.INTERNAL_ERROR,
    message: 'Service Unavailable: the session store cannot be reached; retry shortly',
  },
  SHUTTING_DOWN: { status: 503, code: C.INTERNAL_ERROR, message: 'Service Unavailable: this node is shutting down' },
  NO_WORKERS: {
    status: 503,
    code: C.INTERNAL_ERROR,
    message: 'Service Unavailable: no worker has published its catalog (starting, or Redis was reset); retry shortly',
  },
  QUEUE_FULL: {
    status: 503,
    code: C.INTERNAL_ERROR,
    message: 'Service Unavailable: {0} calls are waiting for {1} already (limit {2}); retry later',
  },
  INTERNAL: {
    status: 500,
    code: C.INTERNAL_ERROR,
    message: 'Internal error: the server failed to handle this request; see the server log',
  },
} as const satisfies Record<string, ErrorEntry>;

export type ErrorName = keyof typeof ERRORS;

export function entryValue(v: PerEra<number>, era: Era): number {
  return typeof v === 'number' ? v : v[era];
}

export interface FleetErrorOptions {
  /** values for the message's `{0}`, `{1}`… */
  args?: (string | number)[];
  /** the JSON-RPC id of the request it answers, when there is a readable one */
  id?: string | number | null;
  era?: Era;
  data?: unknown;
  /** other HTTP headers the response carries (WWW-Authenticate) */
  headers?: Record<string, string>;
  /** seconds for a Retry-After header (a 503 without one says 1) */
  retryAfterSeconds?: number;
}

/** A catalogued error: routes and handlers throw it; the HTTP error handler and the sinks turn it into bodies. */
export class FleetError extends Error {
  override name = 'FleetError';
  readonly status: number;
  readonly code: number;
  readonly data: unknown;
  headers: Record<string, string>;
  readonly retryAfterSeconds: number | undefined;
  id: string | number | null;

  constructor(
    readonly errorName: ErrorName,
    opts: FleetErrorOptions = {},
  ) {
    const entry: ErrorEntry = ERRORS[errorName];
    const args = opts.args ?? [];
    super(entry.message.replace(/\{(\d)\}/g, (_, i: string) => String(args[Number(i)] ?? '')));
    const era = opts.era ?? 'session';
    this.status = entryValue(entry.status, era);
    this.code = entryValue(entry.code, era);
    this.data = opts.data;
    this.headers = opts.headers ?? {};
    this.retryAfterSeconds = opts.retryAfterSeconds ?? (this.status === 503 ? 1 : undefined);
    this.id = opts.id ?? null;
  }

  /** True when the error is the request's JSON-RPC response rather than an HTTP failure. */
  get inBand(): boolean {
    return this.status === 200;
  }

  toJsonRpc(id: string | number | null = this.id) {
    return errorBody(id, this.code, this.message, this.data);
  }
}

export function errorBody(id: string | number | null, code: number, message: string, data?: unknown) {
  return { jsonrpc: '2.0' as const, id, error: data === undefined ? { code, message } : { code, message, data } };
}
