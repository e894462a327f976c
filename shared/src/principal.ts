// Who is calling: the verified identity a front node derives from a request's credentials (an OAuth access token, an
// API key, or none), carried into the job so a tool sees it as `ctx.principal`. Never the token itself.
import { createHash } from 'node:crypto';

export interface Caller {
  /** the token's `sub` (or the API key's subject); `anonymous` without credentials */
  subject: string;
  /** the tenant claim (AUTH_TENANT_CLAIM) or the API key's tenant */
  tenant?: string;
  /** scopes granted to this request */
  scopes: string[];
  /** the claims listed in AUTH_CLAIMS_TO_TOOLS (never the token) */
  claims: Record<string, unknown>;
  /** how the caller was recognised */
  via: 'jwt' | 'introspection' | 'api-key' | 'anonymous';
  /** the OAuth client (`client_id`/`azp`), or the API key's id */
  clientId?: string;
}

/** How logs and audit lines name a caller: `<tenant>/<subject>`, or the subject alone. */
export function principalLabel(caller: Caller | undefined): string {
  if (!caller) return ANONYMOUS_CALLER.subject;
  return caller.tenant ? `${caller.tenant}/${caller.subject}` : caller.subject;
}

/** The principal of every request when authentication is off (and of anonymous requests when it is allowed). */
export const ANONYMOUS_PRINCIPAL = 'anon';

export const ANONYMOUS_CALLER: Caller = { subject: 'anonymous', scopes: [], claims: {}, via: 'anonymous' };

const SAFE = /^[A-Za-z0-9_-]{1,40}$/;

/**
 * The principal's name in Redis keys (keys.ts puts it in every session's hash tag): `<tenant>.<digest of issuer and
 * subject>`. A digest, not the subject, because subjects may hold any character and two issuers may reuse one
 * subject; the tenant readable (when it is a plain word) so a tenant's sessions are found by prefix (broadcasts).
 */
export function principalKey(issuer: string, subject: string, tenant?: string): string {
  const id = createHash('sha256').update(`${issuer}\0${subject}`).digest('base64url').slice(0, 22);
  if (tenant === undefined || tenant === '') return id;
  return `${tenantPart(tenant)}.${id}`;
}

function tenantPart(tenant: string): string {
  return SAFE.test(tenant) ? tenant : `t${createHash('sha256').update(tenant).digest('base64url').slice(0, 16)}`;
}

/**
 * The tenant part of a principal key: what a tool's broadcast may reach. A principal without a tenant (and the
 * anonymous one) is a tenant of its own.
 */
export function tenantOfPrincipal(key: string): string {
  const dot = key.indexOf('.');
  return dot > 0 ? key.slice(0, dot) : key;
}
