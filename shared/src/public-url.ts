// Where clients reach the fleet when a proxy stands in front: PUBLIC_URL (scheme, host, base path). A proxy that
// serves the fleet under a prefix (https://mcp.example.com/api/mcp → a node's /mcp) strips the prefix; the URLs a
// node hands out (the HTTP+SSE endpoint event, the canonical resource URI, metadata URLs) put it back from here.

/** PUBLIC_URL's path without a trailing slash: '' for https://mcp.example.com, '/api' for …/api/. */
export function publicBasePath(publicUrl: string | undefined): string {
  return publicUrl ? new URL(publicUrl).pathname.replace(/\/+$/, '') : '';
}

/** A node path as clients must request it: the base path, then the path (e.g. /api + /messages). */
export function publicPath(publicUrl: string | undefined, path: string): string {
  return `${publicBasePath(publicUrl)}${path}`;
}

/** The MCP endpoint's public URL (the default canonical resource URI, RFC 8707), when PUBLIC_URL is set. */
export function publicEndpoint(publicUrl: string | undefined, mcpPath: string): string | undefined {
  return publicUrl ? `${new URL(publicUrl).origin}${publicPath(publicUrl, mcpPath)}` : undefined;
}
