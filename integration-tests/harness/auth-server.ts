// A real OpenID provider (oidc-provider) in the test process: client-credentials tokens for a resource (RFC 8707),
// as JWTs signed with a key of its JWKS or as opaque tokens for introspection (RFC 7662). `rotate()` restarts it on
// the same port with a new signing key, as an authorization server rotating its keys would look to a resource server.
import type { Server } from 'node:http';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider from 'oidc-provider';
import { freePort } from '../../shared/src/redis-launcher.ts';

export interface TestClient {
  id: string;
  /** scopes the client may ask for */
  scope: string;
  tenant?: string;
  /** access token lifetime, seconds (default 600) */
  ttl?: number;
  /** its tokens are opaque (checked by introspection) instead of JWTs */
  opaque?: boolean;
}

export interface AuthServer {
  issuer: string;
  /** a client-credentials access token for `client`, for `resource` (default: the server's resource) */
  token(client: string, opts?: { scope?: string; resource?: string }): Promise<string>;
  /** the id and secret of the resource server's own client, for introspection */
  introspectionClient: { id: string; secret: string };
  /** restarts with a new signing key (new kid); tokens signed before are no longer verifiable */
  rotate(): Promise<void>;
  stop(): Promise<void>;
}

const SCOPES = ['tools', 'reports:write', 'files', 'files:read', 'admin'];
const secretOf = (id: string) => `${id}-secret-0123456789abcdef`;

export async function startAuthServer(opts: { resource: string; clients: TestClient[] }): Promise<AuthServer> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const introspectionClient = { id: 'fleet-rs', secret: secretOf('fleet-rs') };
  let server: Server | undefined;
  let generation = 0;

  const start = async () => {
    generation++;
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk: JWK = { ...(await exportJWK(privateKey)), kid: `key-${generation}`, alg: 'RS256', use: 'sig' };
    const clients = [...opts.clients, { id: introspectionClient.id, scope: '' }].map((c) => ({
      client_id: c.id,
      client_secret: secretOf(c.id),
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      ...(c.scope && { scope: c.scope }),
      ...(c.tenant && { tenant: c.tenant }),
      ...(c.ttl && { ttl: c.ttl }),
      ...(c.opaque && { opaque: true }),
    }));
    const provider = new Provider(issuer, {
      clients,
      jwks: { keys: [jwk] },
      scopes: SCOPES,
      extraClientMetadata: { properties: ['tenant', 'ttl', 'opaque'] },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        introspection: { enabled: true, allowedPolicy: async () => true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => opts.resource,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, resourceIndicator, client) => ({
            scope: SCOPES.join(' '),
            audience: resourceIndicator,
            accessTokenTTL: (client.ttl as number | undefined) ?? 600,
            accessTokenFormat: client.opaque ? 'opaque' : 'jwt',
            ...(!client.opaque && { jwt: { sign: { alg: 'RS256' } } }),
          }),
        },
      },
      extraTokenClaims: (ctx) => {
        const tenant = ctx.oidc.client?.tenant as string | undefined;
        return tenant ? { tenant } : {};
      },
    });
    server = provider.listen(port);
    await new Promise<void>((resolve) => server!.once('listening', () => resolve()));
  };
  const stopServer = () =>
    new Promise<void>((resolve) => {
      if (!server) return resolve();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  await start();

  return {
    issuer,
    introspectionClient,
    async token(client, o = {}) {
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${client}:${secretOf(client)}`).toString('base64')}`,
        },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          resource: o.resource ?? opts.resource,
          ...(o.scope !== undefined && { scope: o.scope }),
        }).toString(),
      });
      const body = (await res.json()) as { access_token?: string };
      if (!res.ok || !body.access_token)
        throw new Error(`token for ${client}: HTTP ${res.status} ${JSON.stringify(body)}`);
      return body.access_token;
    },
    async rotate() {
      await stopServer();
      await start();
    },
    stop: stopServer,
  };
}
