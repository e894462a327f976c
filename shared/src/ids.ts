import { randomBytes } from 'node:crypto';

/** A CSPRNG id in base64url (visible ASCII only, as Mcp-Session-Id requires); 16 bytes = 128 bits by default. */
export function randomId(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}
