// Secure by default: a front node reachable from other machines refuses to start without authentication, unless
// anonymous access is asked for explicitly (AUTH_ALLOW_ANONYMOUS=true). On a loopback address it starts either way
// (local development), and says on start that nothing is checked.
import { ConfigError, isLoopbackAddress, type FleetConfig } from '@mcp-fleet/shared';
import { authConfigured } from './authenticator.ts';

/** Configuration errors of authentication, found before the node listens. */
export function checkSecureBinding(config: FleetConfig): void {
  if (config.AUTH_ISSUERS.length && !config.AUTH_RESOURCE) {
    throw new ConfigError(
      'AUTH_ISSUERS needs AUTH_RESOURCE (or PUBLIC_URL): the canonical URI of this server (e.g. https://mcp.example.com/mcp), which access tokens must name as their audience',
    );
  }
  if (config.AUTH_INTROSPECTION_URL && !config.AUTH_RESOURCE) {
    throw new ConfigError(
      'AUTH_INTROSPECTION_URL needs AUTH_RESOURCE (or PUBLIC_URL): the audience introspected tokens must name',
    );
  }
  if (!authConfigured(config) && !isLoopbackAddress(config.HOST) && config.AUTH_ALLOW_ANONYMOUS !== true) {
    throw new ConfigError(
      `refusing to listen on ${config.HOST} without authentication: configure AUTH_ISSUERS (OAuth), AUTH_INTROSPECTION_URL or AUTH_API_KEYS=true, or set AUTH_ALLOW_ANONYMOUS=true to serve anyone who can reach it`,
    );
  }
}
