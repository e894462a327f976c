// The front door's one authentication gate, for every transport (Streamable HTTP in both eras, HTTP+SSE): turns a
// request's credentials into a Caller and the principal key its data is stored under. Tokens stop here — tools see
// verified claims only (no token passthrough). Which credential is which: `mcpf_…` an API key, three dot-separated
// parts a JWT (AUTH_ISSUERS), anything else an opaque token (AUTH_INTROSPECTION_URL).
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Redis } from 'ioredis';
import type { JWTPayload } from 'jose';
import {
  ANONYMOUS_CALLER,
  ANONYMOUS_PRINCIPAL,
  API_KEY_PREFIX,
  ApiKeyStore,
  FleetError,
  principalKey,
  type ApiKeyCheck,
  type Caller,
  type FleetConfig,
  type FleetKeys,
  type JsonRpcId,
} from '@mcp-fleet/shared';
import { insufficientScopeChallenge, unauthorizedChallenge, type ChallengeContext } from './challenge.ts';
import { Introspector } from './introspection.ts';
import { JwtVerifier } from './jwt-verifier.ts';
import { missingScopes, parseScopeRules, type ScopeRules, type ScopedKind } from './scope-rules.ts';
import { protectedResourceMetadataUrl } from './resource-metadata.ts';

export interface Authenticated {
  caller: Caller;
  /** the principal's name in Redis keys (shared/src/principal.ts) */
  principal: string;
}

export const ANONYMOUS: Authenticated = { caller: ANONYMOUS_CALLER, principal: ANONYMOUS_PRINCIPAL };

const MAX_CACHED_KEYS = 10_000;

/** Something is configured that can recognise a caller. */
export function authConfigured(config: FleetConfig): boolean {
  return config.AUTH_ISSUERS.length > 0 || config.AUTH_INTROSPECTION_URL !== undefined || config.AUTH_API_KEYS;
}

export class Authenticator {
  readonly rules: ScopeRules;
  readonly challenge: ChallengeContext;
  readonly configured: boolean;
  readonly allowAnonymous: boolean;
  private readonly jwt?: JwtVerifier;
  private readonly introspector?: Introspector;
  private readonly apiKeys?: ApiKeyStore;
  private readonly keyCache = new Map<string, { until: number; check: ApiKeyCheck }>();

  constructor(
    private readonly config: FleetConfig,
    redis: Redis,
    keys: FleetKeys,
  ) {
    this.rules = parseScopeRules(config.AUTH_SCOPE_RULES);
    this.configured = authConfigured(config);
    this.allowAnonymous = config.AUTH_ALLOW_ANONYMOUS ?? !this.configured;
    if (config.AUTH_ISSUERS.length) this.jwt = new JwtVerifier(config);
    if (config.AUTH_INTROSPECTION_URL) this.introspector = new Introspector(config);
    if (config.AUTH_API_KEYS) this.apiKeys = new ApiKeyStore(redis, keys);
    this.challenge = {
      resourceMetadataUrl:
        config.AUTH_RESOURCE && (this.jwt || this.introspector)
          ? protectedResourceMetadataUrl(config.AUTH_RESOURCE)
          : undefined,
    };
  }

  /** Who makes the request: 401 without acceptable credentials (unless anonymous access is allowed). */
  async authenticate(headers: IncomingHttpHeaders, id: JsonRpcId | null): Promise<Authenticated> {
    if (!this.configured) return ANONYMOUS;
    const header = headers.authorization;
    if (header === undefined || header === '') {
      if (this.allowAnonymous) return ANONYMOUS;
      throw new FleetError('AUTH_REQUIRED', {
        id,
        headers: unauthorizedChallenge(this.challenge, { scope: this.config.AUTH_REQUIRED_SCOPES }),
      });
    }
    try {
      const m = /^Bearer +([\x21-\x7e]+)$/i.exec(header);
      if (!m)
        throw new FleetError('TOKEN_INVALID', { args: ['the Authorization header must be "Bearer <token>"'], id });
      const found = await this.recognise(m[1]!, id);
      const missing = missingScopes(found.caller.scopes, this.config.AUTH_REQUIRED_SCOPES);
      if (missing.length) throw this.scopeError('this server', found.caller, missing, id);
      return found;
    } catch (err) {
      if (err instanceof FleetError && err.errorName === 'TOKEN_INVALID') {
        err.headers = unauthorizedChallenge(this.challenge, { error: 'invalid_token', description: err.message });
      }
      throw err;
    }
  }

  /** 403 (step-up) when a caller lacks scopes; 401 when the caller is anonymous (it should authenticate first). */
  scopeError(what: string, caller: Caller, missing: string[], id: JsonRpcId | null): FleetError {
    if (caller.via === 'anonymous') {
      return new FleetError('AUTH_REQUIRED', {
        id,
        headers: unauthorizedChallenge(this.challenge, { scope: missing }),
      });
    }
    return new FleetError('INSUFFICIENT_SCOPE', {
      args: [what, missing.join(' ')],
      id,
      headers: insufficientScopeChallenge(this.challenge, caller.scopes, missing),
    });
  }

  /** Scopes the caller lacks for one tool, resource or prompt (AUTH_SCOPE_RULES). */
  missingFor(caller: Caller, kind: ScopedKind, name: string): string[] {
    return missingScopes(caller.scopes, this.rules.needed(kind, name));
  }

  private async recognise(token: string, id: JsonRpcId | null): Promise<Authenticated> {
    if (token.startsWith(API_KEY_PREFIX)) {
      if (!this.apiKeys) throw new FleetError('TOKEN_INVALID', { args: ['API keys are not accepted here'], id });
      return this.apiKeyCaller(token, id);
    }
    if (this.jwt && token.split('.').length === 3) return this.jwtCaller(await this.jwt.verify(token, id));
    if (this.introspector) return this.jwtCaller(await this.introspector.introspect(token, id), 'introspection');
    throw new FleetError('TOKEN_INVALID', { args: ['it is not a kind of token this server accepts'], id });
  }

  private jwtCaller(claims: JWTPayload, via: 'jwt' | 'introspection' = 'jwt'): Authenticated {
    const raw = claims[this.config.AUTH_TENANT_CLAIM];
    const tenant = typeof raw === 'string' && raw ? raw : undefined;
    const scopes =
      typeof claims.scope === 'string'
        ? claims.scope.split(' ').filter(Boolean)
        : Array.isArray(claims.scp)
          ? claims.scp.filter((s): s is string => typeof s === 'string')
          : [];
    const picked: Record<string, unknown> = {};
    for (const name of this.config.AUTH_CLAIMS_TO_TOOLS) if (claims[name] !== undefined) picked[name] = claims[name];
    const clientId = claims.client_id ?? claims.azp;
    const caller: Caller = {
      subject: claims.sub!,
      ...(tenant && { tenant }),
      scopes,
      claims: picked,
      via,
      ...(typeof clientId === 'string' && { clientId }),
    };
    return { caller, principal: principalKey(claims.iss ?? via, caller.subject, tenant) };
  }

  private async apiKeyCaller(token: string, id: JsonRpcId | null): Promise<Authenticated> {
    const digest = createHash('sha256').update(token).digest('base64url');
    const now = Date.now();
    let hit = this.keyCache.get(digest);
    if (!hit || hit.until <= now) {
      hit = { until: now + this.config.AUTH_API_KEY_CACHE_MS, check: await this.apiKeys!.check(token) };
      if (this.keyCache.size >= MAX_CACHED_KEYS) this.keyCache.delete(this.keyCache.keys().next().value!);
      this.keyCache.set(digest, hit);
    }
    const check = hit.check;
    if (!check.ok) throw new FleetError('TOKEN_INVALID', { args: [check.reason], id });
    if (check.key.expiresAt !== undefined && check.key.expiresAt <= now)
      throw new FleetError('TOKEN_INVALID', { args: ['the API key expired'], id });
    const k = check.key;
    const caller: Caller = {
      subject: k.subject,
      ...(k.tenant !== undefined && { tenant: k.tenant }),
      scopes: k.scopes,
      claims: { sub: k.subject, ...(k.tenant !== undefined && { tenant: k.tenant }) },
      via: 'api-key',
      clientId: k.id,
    };
    return { caller, principal: principalKey('api-key', k.subject, k.tenant) };
  }
}

/**
 * The SDK's AuthInfo for a request of the 2026-07-28 leg: the principal key as `clientId` (what requestState binds
 * to), the caller in `extra`. The token is not passed on (no passthrough): nothing after the gate needs it.
 */
export function authInfoOf(who: Authenticated) {
  return { token: '', clientId: who.principal, scopes: who.caller.scopes, extra: { who } };
}
