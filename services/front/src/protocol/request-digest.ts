// Names a request by what it asks — method, target and arguments — so that a retry of the same request (a
// duplicate id in a session, an MRTR round) can be told from a different one. Not a secret; a short SHA-256.
import { createHash } from 'node:crypto';

export function requestDigest(method: string, target: string, params: Record<string, unknown>): string {
  return createHash('sha256')
    .update(JSON.stringify([method, target, params.arguments ?? params.argument ?? {}]))
    .digest('base64url')
    .slice(0, 22);
}
