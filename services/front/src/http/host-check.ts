// DNS-rebinding protection by the Host header, on the MCP paths (Streamable HTTP, HTTP+SSE). Origin alone is not
// enough: a page whose name was rebound to this node's address can send requests without an Origin (a GET /sse from
// an <img> or EventSource of the same "origin"), but its Host is still the attacker's name.
//
// The rule is the official SDK's own `validateHostHeader` (@modelcontextprotocol/server, which
// @modelcontextprotocol/fastify's `hostHeaderValidation` hook also uses): hostnames, any port, `[::1]` bracketed.
// That hook itself is not used: it runs onRequest for every route (probes included), before the body is read, and
// answers its own body with `id: null`; here a refusal is the catalogue's HOST_FORBIDDEN, with the request's id.
//
// 403 like the SDK's hook and the spec's rule for a bad Origin, not 421 Misdirected Request: RFC 9110 lets a client
// retry a 421 on another connection, and a browser does, which is the wrong answer to a rebinding page.
import { localhostAllowedHostnames, validateHostHeader } from '@modelcontextprotocol/server';
import { ConfigError, FleetError, isLoopbackAddress, type FleetConfig, type JsonRpcId } from '@mcp-fleet/shared';

/**
 * The Host names admitted: ALLOWED_HOSTS when set; unset, the loopback names for a node bound to loopback. A node
 * bound elsewhere (0.0.0.0, a pod IP) must be told: guessing its public names would either refuse every client or
 * protect nothing.
 */
export function allowedHosts(config: Pick<FleetConfig, 'ALLOWED_HOSTS' | 'HOST'>): string[] {
  if (config.ALLOWED_HOSTS?.length) return config.ALLOWED_HOSTS.map((h) => h.toLowerCase());
  if (isLoopbackAddress(config.HOST)) return localhostAllowedHostnames();
  throw new ConfigError(
    `invalid configuration:\n  ALLOWED_HOSTS is required when HOST=${JSON.stringify(config.HOST)} is not a loopback address: ` +
      'list the host names clients reach the MCP endpoint by (e.g. mcp.example.com), or * when a proxy in front checks Host',
  );
}

/** Throws HOST_FORBIDDEN (403) for a Host that is missing or not in the list. */
export function makeHostCheck(allowed: string[]): (host: string | undefined, id?: JsonRpcId | null) => void {
  if (allowed.includes('*')) return () => {};
  return (host, id = null) => {
    if (!validateHostHeader(host, allowed).ok) {
      throw new FleetError('HOST_FORBIDDEN', { args: [JSON.stringify(host ?? '')], id });
    }
  };
}
