// What a client says about itself (clientInfo, capabilities) is stored with its session and copied into every job,
// so its size is bounded like a body is: MAX_CLIENT_METADATA_BYTES of JSON, checked before anything is stored.
import { CLIENT_CAPABILITIES_META_KEY, CLIENT_INFO_META_KEY } from '@modelcontextprotocol/server';
import { FleetError, type Era, type JsonRpcId } from '@mcp-fleet/shared';

/** Throws CLIENT_METADATA_TOO_LARGE (400 -32602) when the parts' JSON is longer than `maxBytes`. */
export function checkClientMetadata(
  maxBytes: number,
  parts: { clientInfo: unknown; capabilities: unknown },
  described: string,
  id: JsonRpcId | null,
  era: Era,
): void {
  const bytes = Buffer.byteLength(JSON.stringify([parts.clientInfo ?? null, parts.capabilities ?? null]));
  if (bytes > maxBytes)
    throw new FleetError('CLIENT_METADATA_TOO_LARGE', { args: [described, bytes, maxBytes], id, era });
}

/** A 2026-07-28 request carries the same facts in its `_meta` envelope, on every request. */
export function checkEnvelopeMetadata(maxBytes: number, message: { id: JsonRpcId; params?: unknown }): void {
  const meta = (message.params as { _meta?: Record<string, unknown> } | undefined)?._meta;
  if (!meta) return;
  const parts = { clientInfo: meta[CLIENT_INFO_META_KEY], capabilities: meta[CLIENT_CAPABILITIES_META_KEY] };
  checkClientMetadata(maxBytes, parts, 'the _meta clientInfo and clientCapabilities', message.id, 'modern');
}
