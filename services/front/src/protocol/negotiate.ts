// Version negotiation and the MCP-Protocol-Version header rules for the session (legacy) era.
import {
  LATEST_VERSION, STREAMABLE_VERSIONS, isStreamableVersion, type StreamableVersion,
} from '@mcp-fleet/shared';
import { FleetError } from '../errors.ts';

/** initialize: echo the client's version when we speak it, else offer our latest (the client decides). */
export function negotiateVersion(requested: string): StreamableVersion {
  return isStreamableVersion(requested) ? requested : LATEST_VERSION;
}

/** Checks an MCP-Protocol-Version header; absent is fine (the session's version applies). */
export function checkVersionHeader(value: string | undefined): void {
  if (value === undefined) return;
  if (!isStreamableVersion(value)) {
    throw new FleetError('UNSUPPORTED_PROTOCOL_VERSION', [JSON.stringify(value), STREAMABLE_VERSIONS.join(', ')]);
  }
}
