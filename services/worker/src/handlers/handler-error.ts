/** A JSON-RPC error answer from a worker-side handler (unknown resource, bad prompt arguments…). */
export class HandlerError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/** 2026-07-28: the request needs a client capability the client did not declare. */
export const MISSING_CLIENT_CAPABILITY = -32021;
