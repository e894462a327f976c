// Version negotiation and the MCP-Protocol-Version header rules for the session (legacy) era.
import {
  FleetError,
  LATEST_VERSION,
  STREAMABLE_VERSIONS,
  isStreamableVersion,
  type JsonRpcId,
} from '@mcp-fleet/shared';

/** The version of the HTTP+SSE transport (GET /sse + POST /messages). */
export const LEGACY_SSE_VERSION = '2024-11-05';

/**
 * initialize: echo the client's version when we speak it, else offer our latest (the client decides). The legacy
 * HTTP+SSE transport also speaks 2024-11-05 (clients of every version use it).
 */
export function negotiateVersion(requested: string, legacyTransport: boolean): string {
  if (legacyTransport && requested === LEGACY_SSE_VERSION) return requested;
  return isStreamableVersion(requested) ? requested : LATEST_VERSION;
}

/** Checks an MCP-Protocol-Version header; absent is fine (the session's version applies). */
export function checkVersionHeader(value: string | undefined, id: JsonRpcId | null = null): void {
  if (value === undefined) return;
  if (!isStreamableVersion(value)) {
    throw new FleetError('UNSUPPORTED_PROTOCOL_VERSION', {
      args: [JSON.stringify(value), STREAMABLE_VERSIONS.join(', ')],
      id,
    });
  }
}
