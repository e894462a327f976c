import { randomBytes } from 'node:crypto';

/** CSPRNG bytes fetched 4 KiB at a time (a call takes several ids; one getrandom for hundreds), each used once. */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let used = 0;

/** A CSPRNG id in base64url (visible ASCII only, as Mcp-Session-Id requires); 16 bytes = 128 bits by default. */
export function randomId(bytes = 16): string {
  if (bytes > POOL_BYTES) return randomBytes(bytes).toString('base64url');
  if (used + bytes > pool.length) {
    pool = randomBytes(POOL_BYTES);
    used = 0;
  }
  const id = pool.toString('base64url', used, used + bytes);
  // Zeroed once taken: the pool never hands out (or keeps readable) bytes that became an id.
  pool.fill(0, used, used + bytes);
  used += bytes;
  return id;
}
