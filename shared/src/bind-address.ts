// Whether a bind address (HOST) is reachable only from this machine: the one rule behind every "secure by default"
// decision (authentication required, Host allow-list required, metrics served without a token).
import { isIP } from 'node:net';

export function isLoopbackAddress(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}
