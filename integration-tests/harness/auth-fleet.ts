// A fleet behind a real authorization server (oidc-provider), for the authentication and isolation tests: 2 front
// nodes and a worker as separate processes, JWT and opaque tokens, API keys, scope rules. The fleet's canonical URI
// is a placeholder (`FLEET_URL`, where nothing listens): `fleetFetch` sends what is addressed to it to the front
// nodes in turn, so the SDK's OAuth discovery (401 → metadata → token for that resource) runs as against one URL.
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { startAuthServer, type AuthServer, type TestClient } from './auth-server.ts';
import { startFleet, type Fleet } from './fleet.ts';

export const FLEET_URL = 'http://127.0.0.1:9/mcp';

/** Clients of the authorization server: two tenants, and a caller with fewer scopes. */
export const CLIENTS: TestClient[] = [
  { id: 'alice', scope: 'tools reports:write files:read', tenant: 'acme' },
  { id: 'carol', scope: 'tools', tenant: 'acme' },
  { id: 'bob', scope: 'tools reports:write files:read', tenant: 'globex' },
  { id: 'brief', scope: 'tools', tenant: 'acme', ttl: 1 },
  { id: 'opaque', scope: 'tools', tenant: 'acme', opaque: true },
];

export interface AuthFleet {
  fleet: Fleet;
  as: AuthServer;
  /** `Authorization: Bearer <token>` for one of CLIENTS */
  bearer(client: string, opts?: { scope?: string; resource?: string }): Promise<{ authorization: string }>;
  fleetFetch: FetchLike;
  stop(): Promise<void>;
}

export async function startAuthFleet(env: Record<string, string> = {}): Promise<AuthFleet> {
  const as = await startAuthServer({ resource: FLEET_URL, clients: CLIENTS });
  const fleet = await startFleet({
    fronts: 2,
    workers: 1,
    env: {
      AUTH_ISSUERS: as.issuer,
      AUTH_RESOURCE: FLEET_URL,
      AUTH_INTROSPECTION_URL: `${as.issuer}/token/introspection`,
      AUTH_INTROSPECTION_CLIENT_ID: as.introspectionClient.id,
      AUTH_INTROSPECTION_CLIENT_SECRET: as.introspectionClient.secret,
      AUTH_API_KEYS: 'true',
      AUTH_API_KEY_CACHE_MS: '300',
      AUTH_SCOPE_RULES: 'tool:batch_report=reports:write,tool:*=tools,resource:*=files:read,prompt:*=tools',
      AUTH_CLOCK_TOLERANCE_SECONDS: '0',
      AUTH_JWKS_COOLDOWN_MS: '500',
      AUDIT_LOG: 'stdout',
      ...env,
    },
  });
  let turn = 0;
  const fleetFetch: FetchLike = async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input.href);
    if (url.origin !== new URL(FLEET_URL).origin) return fetch(url, init);
    const node = fleet.fronts[turn++ % fleet.fronts.length]!;
    const out = new URL(url.pathname + url.search, new URL(node.url).origin);
    return fetch(out, init);
  };
  return {
    fleet,
    as,
    fleetFetch,
    // Asks for every scope the client may have unless told otherwise (no scope asked: a token with none).
    bearer: async (client, opts) => {
      const scope = opts?.scope ?? CLIENTS.find((c) => c.id === client)?.scope;
      return { authorization: `Bearer ${await as.token(client, { ...opts, scope })}` };
    },
    async stop() {
      await fleet.stop();
      await as.stop();
    },
  };
}
