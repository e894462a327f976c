// Who may use the console. Without authentication configured, anyone who reaches it (the console is off unless
// CONSOLE_ENABLED, and an unauthenticated node binds to loopback only: auth/secure-default.ts). With it, a credential
// the front's Authenticator accepts (API key, JWT, introspected token) that grants CONSOLE_SCOPE. Browsers cannot put
// a bearer header on an EventSource, so the sign-in form hands the credential to the server once and it comes back
// as an HttpOnly, SameSite=Strict cookie scoped to /console: scripts cannot read it, other sites cannot send it, and
// every console request checks it again like a bearer token (so a revoked key stops working within
// AUTH_API_KEY_CACHE_MS). `Authorization: Bearer …` works as well, for scripts and tests.
import type { IncomingHttpHeaders } from 'node:http';
import { FleetError, type FleetConfig } from '@mcp-fleet/shared';
import { ANONYMOUS, type Authenticated, type Authenticator } from '../auth/authenticator.ts';
import { missingScopes } from '../auth/scope-rules.ts';

export const CONSOLE_COOKIE = 'mcpf_console';
const COOKIE_MAX_AGE_S = 12 * 3600;

export class ConsoleAccess {
  constructor(
    private readonly config: Pick<FleetConfig, 'CONSOLE_SCOPE'>,
    private readonly auth: Authenticator,
  ) {}

  get required(): boolean {
    return this.auth.configured;
  }

  /** The credential a console request carries: its bearer header, else the console cookie. */
  credential(headers: IncomingHttpHeaders): string | undefined {
    const bearer = /^Bearer +([\x21-\x7e]+)$/i.exec(headers.authorization ?? '')?.[1];
    return bearer ?? readCookie(headers.cookie, CONSOLE_COOKIE);
  }

  /** The caller, or CONSOLE_UNAUTHORIZED (no or a bad credential) / CONSOLE_FORBIDDEN (without CONSOLE_SCOPE). */
  async check(token: string | undefined): Promise<Authenticated> {
    if (!this.auth.configured) return ANONYMOUS;
    if (!token) throw new FleetError('CONSOLE_UNAUTHORIZED');
    let who: Authenticated;
    try {
      who = await this.auth.authenticate({ authorization: `Bearer ${token}` }, null);
    } catch (err) {
      if (err instanceof FleetError && err.status === 401) throw new FleetError('CONSOLE_UNAUTHORIZED');
      if (err instanceof FleetError && err.status === 403) {
        throw new FleetError('CONSOLE_FORBIDDEN', { args: [this.config.CONSOLE_SCOPE] });
      }
      throw err;
    }
    if (who.caller.via === 'anonymous') throw new FleetError('CONSOLE_UNAUTHORIZED');
    if (missingScopes(who.caller.scopes, [this.config.CONSOLE_SCOPE]).length > 0) {
      throw new FleetError('CONSOLE_FORBIDDEN', { args: [this.config.CONSOLE_SCOPE] });
    }
    return who;
  }

  /** Set-Cookie for a credential that passed `check` (Secure when the page was reached over https). */
  cookie(token: string, secure: boolean): string {
    const attrs = `Path=/console; HttpOnly; SameSite=Strict; Max-Age=${COOKIE_MAX_AGE_S}${secure ? '; Secure' : ''}`;
    return `${CONSOLE_COOKIE}=${encodeURIComponent(token)}; ${attrs}`;
  }

  clearCookie(): string {
    return `${CONSOLE_COOKIE}=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0`;
  }
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim()) || undefined;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Who the console says is signed in. */
export function describeCaller(who: Authenticated): string {
  const c = who.caller;
  if (c.via === 'anonymous') return 'no authentication configured';
  return `${c.subject}${c.tenant ? `@${c.tenant}` : ''} (${c.via})`;
}
