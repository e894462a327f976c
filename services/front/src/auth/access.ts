// What a caller may reach: the scopes a request's tool, resource or prompt needs (AUTH_SCOPE_RULES), checked before
// the request is served in either era, and the same rule narrowing what the lists show.
import type { Caller, JsonRpcId } from '@mcp-fleet/shared';
import type { Authenticator } from './authenticator.ts';
import type { ScopedKind } from './scope-rules.ts';

type Message = { method?: unknown; params?: Record<string, unknown> } | null;

/** The tool, resource or prompt a request names, if it names one. */
export function itemOf(msg: Message): { kind: ScopedKind; name: string } | undefined {
  const p = msg?.params;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  switch (msg?.method) {
    case 'tools/call': {
      const name = str(p?.name);
      return name === undefined ? undefined : { kind: 'tool', name };
    }
    case 'prompts/get': {
      const name = str(p?.name);
      return name === undefined ? undefined : { kind: 'prompt', name };
    }
    case 'resources/read':
    case 'resources/subscribe': {
      const uri = str(p?.uri);
      return uri === undefined ? undefined : { kind: 'resource', name: uri };
    }
    case 'completion/complete': {
      const ref = p?.ref as { type?: unknown; name?: unknown; uri?: unknown } | undefined;
      if (ref?.type === 'ref/prompt' && typeof ref.name === 'string') return { kind: 'prompt', name: ref.name };
      if (ref?.type === 'ref/resource' && typeof ref.uri === 'string') return { kind: 'resource', name: ref.uri };
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Throws the 403 step-up (or 401 for an anonymous caller) when a message of the body needs scopes it lacks. */
export function checkAccess(auth: Authenticator, caller: Caller, body: unknown, id: JsonRpcId | null): void {
  for (const msg of (Array.isArray(body) ? body : [body]) as Message[]) {
    const item = itemOf(msg);
    if (!item) continue;
    const missing = auth.missingFor(caller, item.kind, item.name);
    if (missing.length) throw auth.scopeError(`${item.kind} ${JSON.stringify(item.name)}`, caller, missing, id);
  }
}

/** For the lists: whether the caller may see (and so call) an item. */
export function visibleTo(auth: Authenticator, caller: Caller) {
  return (kind: ScopedKind, name: string) => auth.missingFor(caller, kind, name).length === 0;
}
