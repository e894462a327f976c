// Which protocol era a request belongs to (both are served on the same endpoint: the 2026-07-28 spec's
// "dual-era server", basic/versioning).
//
// Modern (2026-07-28) requests claim it: an `MCP-Protocol-Version` header naming a modern version, or the
// per-request `_meta` envelope (`io.modelcontextprotocol/protocolVersion`). Everything else — an `initialize`,
// a request with `Mcp-Session-Id`, a claim-less POST, a GET or DELETE without a modern header — is the session
// era. This cheap check keeps the session era's hot path free of the SDK's classifier; requests it flags are
// then classified by the SDK's own `isLegacyRequest`, so our routing never disagrees with its handler.
import type { IncomingHttpHeaders } from 'node:http';
import { isModernVersion } from '@mcp-fleet/shared';

const CLAIM = 'io.modelcontextprotocol/protocolVersion';

export function claimsModernEra(headers: IncomingHttpHeaders, body: unknown): boolean {
  const h = headers['mcp-protocol-version'];
  if (isModernVersion(Array.isArray(h) ? h[0] : h)) return true;
  const items = Array.isArray(body) ? body : [body];
  return items.some((m) => {
    const params = typeof m === 'object' && m !== null ? (m as { params?: unknown }).params : undefined;
    const meta = typeof params === 'object' && params !== null ? (params as { _meta?: unknown })._meta : undefined;
    return typeof meta === 'object' && meta !== null && CLAIM in meta;
  });
}
