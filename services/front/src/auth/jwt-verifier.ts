// Bearer JWTs checked with `jose` against the JWKS of a configured issuer: signature, issuer, audience (this server's
// canonical URI, RFC 8707), expiry. Each issuer's JWKS location comes from its metadata (OpenID discovery, else
// RFC 8414), looked up on first use so a front node starts while its authorization server is down. jose caches the
// key set (AUTH_JWKS_MAX_AGE_MS) and refetches it for an unknown key id at most once per AUTH_JWKS_COOLDOWN_MS:
// keys rotate without a restart, and a flood of tokens with made-up key ids cannot flood the issuer.
import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTPayload } from 'jose';
import { FleetError, type FleetConfig, type JsonRpcId } from '@mcp-fleet/shared';

/** Asymmetric algorithms only: a JWKS never holds a shared secret, and `none` is never acceptable. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const FETCH_TIMEOUT_MS = 5000;

type KeySet = ReturnType<typeof createRemoteJWKSet>;

export class JwtVerifier {
  private readonly keySets = new Map<string, Promise<KeySet>>();
  /** an issuer whose metadata could not be fetched is not asked again before this time */
  private readonly retryAt = new Map<string, number>();

  constructor(private readonly config: FleetConfig) {}

  /** Issuers are compared as configured, ignoring one trailing slash. */
  private trusted(iss: unknown): string | undefined {
    if (typeof iss !== 'string') return undefined;
    const norm = (u: string) => u.replace(/\/$/, '');
    return this.config.AUTH_ISSUERS.find((i) => norm(i) === norm(iss));
  }

  /** Verifies a JWT access token; a bad one is TOKEN_INVALID (401) with the reason, an unreachable issuer 503. */
  async verify(token: string, id: JsonRpcId | null): Promise<JWTPayload> {
    const invalid = (why: string) => new FleetError('TOKEN_INVALID', { args: [why], id });
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw invalid('not a well-formed JWT');
    }
    const issuer = this.trusted(iss);
    if (!issuer) throw invalid(`issued by ${JSON.stringify(iss)}, which this server does not trust`);
    const keys = await this.keySet(issuer, id);
    const resource = this.config.AUTH_RESOURCE!;
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: iss as string,
        // The canonical URI has no trailing slash; a token minted for the same URI with one is the same audience.
        audience: [resource, resource.endsWith('/') ? resource.slice(0, -1) : `${resource}/`],
        algorithms: ALGORITHMS,
        clockTolerance: this.config.AUTH_CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'sub'],
      });
      return payload;
    } catch (err) {
      throw this.explain(err, issuer, invalid, id);
    }
  }

  private explain(err: unknown, issuer: string, invalid: (why: string) => FleetError, id: JsonRpcId | null) {
    if (err instanceof errors.JWTExpired) return invalid('it expired');
    if (err instanceof errors.JWTClaimValidationFailed) {
      if (err.claim === 'aud')
        return invalid(`it was not issued for this server (audience must be ${this.config.AUTH_RESOURCE})`);
      if (err.claim === 'nbf') return invalid('it is not valid yet');
      return invalid(`its ${err.claim} claim is not acceptable (${err.reason})`);
    }
    if (err instanceof errors.JWKSNoMatchingKey) return invalid('it is signed with a key the issuer does not publish');
    if (err instanceof errors.JWSSignatureVerificationFailed) return invalid('its signature does not verify');
    if (err instanceof errors.JOSEAlgNotAllowed) return invalid('its signing algorithm is not accepted');
    if (err instanceof errors.JWKSTimeout || err instanceof TypeError) {
      return new FleetError('AUTH_SERVER_UNAVAILABLE', { args: [`JWKS of ${issuer}`], id });
    }
    if (err instanceof errors.JOSEError) return invalid(err.message);
    return new FleetError('AUTH_SERVER_UNAVAILABLE', { args: [`JWKS of ${issuer}: ${(err as Error).message}`], id });
  }

  private keySet(issuer: string, id: JsonRpcId | null): Promise<KeySet> {
    let set = this.keySets.get(issuer);
    if (!set) {
      if ((this.retryAt.get(issuer) ?? 0) > Date.now()) {
        throw new FleetError('AUTH_SERVER_UNAVAILABLE', { args: [`metadata of ${issuer}`], id });
      }
      set = discoverJwksUri(issuer).then((uri) =>
        createRemoteJWKSet(new URL(uri), {
          cooldownDuration: this.config.AUTH_JWKS_COOLDOWN_MS,
          cacheMaxAge: this.config.AUTH_JWKS_MAX_AGE_MS,
          timeoutDuration: FETCH_TIMEOUT_MS,
        }),
      );
      set.catch(() => {
        this.keySets.delete(issuer);
        this.retryAt.set(issuer, Date.now() + this.config.AUTH_JWKS_COOLDOWN_MS);
      });
      this.keySets.set(issuer, set);
    }
    return set.catch((err: Error) => {
      throw new FleetError('AUTH_SERVER_UNAVAILABLE', { args: [`metadata of ${issuer}: ${err.message}`], id });
    });
  }
}

/**
 * The issuer's `jwks_uri`: OpenID Connect discovery first, then RFC 8414 (whose well-known path goes between the host
 * and the issuer's path). The document must name the same issuer (RFC 8414 §3.3), or it is someone else's.
 */
async function discoverJwksUri(issuer: string): Promise<string> {
  const u = new URL(issuer);
  const path = u.pathname.replace(/\/$/, '');
  const candidates = [
    `${u.origin}${path}/.well-known/openid-configuration`,
    `${u.origin}/.well-known/oauth-authorization-server${path}`,
  ];
  let last = 'no metadata';
  for (const url of candidates) {
    try {
      const res = await fetch(url, {
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
        headers: { accept: 'application/json' },
      });
      if (!res.ok) {
        last = `${url}: HTTP ${res.status}`;
        continue;
      }
      const meta = (await res.json()) as { issuer?: string; jwks_uri?: string };
      if (meta.issuer?.replace(/\/$/, '') !== issuer.replace(/\/$/, '')) {
        last = `${url} names issuer ${JSON.stringify(meta.issuer)}`;
        continue;
      }
      if (typeof meta.jwks_uri === 'string') return meta.jwks_uri;
      last = `${url} has no jwks_uri`;
    } catch (err) {
      last = `${url}: ${(err as Error).message}`;
    }
  }
  throw new Error(last);
}
