// OAuth 2.0 Protected Resource Metadata (RFC 9728): how a client learns which authorization server issues tokens for
// this server. Served at both well-known locations MCP clients try — the path-specific one
// (`/.well-known/oauth-protected-resource/<path>`) and the root — and named in every 401's WWW-Authenticate.
import type { FastifyInstance } from 'fastify';
import type { FleetConfig } from '@mcp-fleet/shared';
import type { ScopeRules } from './scope-rules.ts';

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/** RFC 9728 §3.1: the well-known segment goes between the host and the resource's path. */
export function protectedResourceMetadataUrl(resource: string): string {
  const u = new URL(resource);
  const path = u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '');
  return `${u.origin}${WELL_KNOWN}${path}`;
}

export function registerResourceMetadata(app: FastifyInstance, config: FleetConfig, rules: ScopeRules): void {
  const resource = config.AUTH_RESOURCE;
  if (!resource || (config.AUTH_ISSUERS.length === 0 && !config.AUTH_INTROSPECTION_URL)) return;
  const document = {
    resource,
    authorization_servers: config.AUTH_ISSUERS,
    scopes_supported: [...new Set([...config.AUTH_REQUIRED_SCOPES, ...rules.all()])],
    bearer_methods_supported: ['header'],
    resource_name: 'mcp-fleet',
  };
  const resourcePath = new URL(resource).pathname.replace(/\/$/, '');
  const paths = new Set([WELL_KNOWN, `${WELL_KNOWN}${config.MCP_PATH}`, `${WELL_KNOWN}${resourcePath}`]);
  for (const path of paths) {
    app.get(path, async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=300').type('application/json').send(document),
    );
  }
}
