// Opaque access tokens, asked about at the authorization server's RFC 7662 endpoint. A token's answer is cached for
// AUTH_INTROSPECTION_CACHE_MS (never past its expiry), by a digest of the token, in a bounded map: one introspection
// per token and interval, not per request.
import { createHash } from 'node:crypto';
import { FleetError, type FleetConfig, type JsonRpcId } from '@mcp-fleet/shared';

export interface Introspected {
  active: boolean;
  sub?: string;
  scope?: string;
  client_id?: string;
  exp?: number;
  aud?: string | string[];
  iss?: string;
  [claim: string]: unknown;
}

const MAX_CACHED = 10_000;
const TIMEOUT_MS = 5000;

export class Introspector {
  private readonly cache = new Map<string, { until: number; answer: Introspected }>();

  constructor(private readonly config: FleetConfig) {}

  /** The token's claims when it is active and meant for this server; TOKEN_INVALID otherwise. */
  async introspect(token: string, id: JsonRpcId | null): Promise<Introspected> {
    const key = createHash('sha256').update(token).digest('base64url');
    const now = Date.now();
    let hit = this.cache.get(key);
    if (!hit || hit.until <= now) {
      const answer = await this.ask(token, id);
      const expiresAt = typeof answer.exp === 'number' ? answer.exp * 1000 : Number.POSITIVE_INFINITY;
      hit = { until: Math.min(now + this.config.AUTH_INTROSPECTION_CACHE_MS, expiresAt), answer };
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, hit);
    }
    const a = hit.answer;
    const invalid = (why: string) => new FleetError('TOKEN_INVALID', { args: [why], id });
    if (!a.active) throw invalid('the authorization server says it is not active');
    if (typeof a.exp === 'number' && a.exp * 1000 <= now) throw invalid('it expired');
    const resource = this.config.AUTH_RESOURCE;
    if (resource) {
      const aud = Array.isArray(a.aud) ? a.aud : a.aud === undefined ? [] : [a.aud];
      const norm = (u: string) => u.replace(/\/$/, '');
      if (!aud.some((x) => norm(x) === norm(resource)))
        throw invalid(`it was not issued for this server (audience must be ${resource})`);
    }
    // A client-credentials token may have no `sub` (RFC 7662 makes it optional): the client is then the subject.
    const sub = typeof a.sub === 'string' && a.sub ? a.sub : a.client_id;
    if (typeof sub !== 'string' || !sub) throw invalid('it names neither a subject nor a client');
    return { ...a, sub };
  }

  private async ask(token: string, id: JsonRpcId | null): Promise<Introspected> {
    const c = this.config;
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (c.AUTH_INTROSPECTION_CLIENT_ID) {
      // RFC 6749 §2.3.1: client id and secret form-encoded, then base64 as HTTP Basic credentials.
      const cred = `${encodeURIComponent(c.AUTH_INTROSPECTION_CLIENT_ID)}:${encodeURIComponent(c.AUTH_INTROSPECTION_CLIENT_SECRET ?? '')}`;
      headers.authorization = `Basic ${Buffer.from(cred).toString('base64')}`;
    }
    try {
      const res = await fetch(c.AUTH_INTROSPECTION_URL!, {
        method: 'POST',
        headers,
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = (await res.json()) as Introspected;
      if (typeof body?.active !== 'boolean') throw new Error('the answer has no "active" member');
      return body;
    } catch (err) {
      throw new FleetError('AUTH_SERVER_UNAVAILABLE', { args: [`introspection: ${(err as Error).message}`], id });
    }
  }
}
