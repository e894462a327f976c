// `WWW-Authenticate` challenges (RFC 6750 §3, RFC 9728 §5.1): where a client finds how to get a token, and which
// scopes it needs. One place, so every 401 and 403 of every transport says the same.

export interface ChallengeContext {
  /** the Protected Resource Metadata URL, when OAuth issuers are configured */
  resourceMetadataUrl?: string;
}

const quote = (v: string) => `"${v.replace(/["\\]/g, '\\$&')}"`;

function bearer(params: Record<string, string | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${quote(v!)}`);
  return parts.length ? `Bearer ${parts.join(', ')}` : 'Bearer';
}

/** 401: no credentials, or credentials that do not hold. */
export function unauthorizedChallenge(
  ctx: ChallengeContext,
  opts: { error?: 'invalid_token'; description?: string; scope?: string[] } = {},
): Record<string, string> {
  return {
    'www-authenticate': bearer({
      realm: 'mcp-fleet',
      error: opts.error,
      error_description: opts.description,
      scope: opts.scope?.join(' '),
      resource_metadata: ctx.resourceMetadataUrl,
    }),
  };
}

/**
 * 403 step-up: `scope` names what the request needs together with what the token already has, so a client that
 * re-authorizes with it keeps its existing grants (2025-11-25 authorization, "Scope Challenge Handling").
 */
export function insufficientScopeChallenge(
  ctx: ChallengeContext,
  held: readonly string[],
  needed: readonly string[],
): Record<string, string> {
  return {
    'www-authenticate': bearer({
      error: 'insufficient_scope',
      scope: [...new Set([...held, ...needed])].join(' '),
      resource_metadata: ctx.resourceMetadataUrl,
      error_description: `needs ${needed.join(' ')}`,
    }),
  };
}
