// Fair use at the door: every request to an MCP endpoint counts against its principal's request rate, each
// tools/call against its tool's rate, and a request that starts calls is refused while the principal is at its
// in-flight quota — before anything is served, so the refusal is an HTTP 429 with Retry-After and the request's id.
// A single Streamable HTTP request needs no look here: its call is counted as its stream opens (open-stream-7.lua),
// before any response, so that refusal is the same 429. A batch (calls counted one by one) and a legacy POST (its
// answers go to the session's SSE stream) are looked at first.
import { JOB_METHODS, type JsonRpcId } from '@mcp-fleet/shared';
import type { Authenticated } from '../auth/authenticator.ts';
import type { FrontDeps } from '../deps.ts';

type Message = { method?: unknown; params?: { name?: unknown } } | null;

export async function admitRequest(
  deps: FrontDeps,
  who: Authenticated,
  body: unknown,
  id: JsonRpcId | null,
  { countedAtOpen = false }: { countedAtOpen?: boolean } = {},
): Promise<void> {
  const messages = (Array.isArray(body) ? body : body === undefined ? [] : [body]) as Message[];
  const tools = messages.flatMap((m) =>
    m?.method === 'tools/call' && typeof m.params?.name === 'string' ? [m.params.name] : [],
  );
  await deps.rateLimits.consume(who.principal, tools, id);
  if (countedAtOpen && !Array.isArray(body)) return;
  if (messages.some((m) => (JOB_METHODS as readonly unknown[]).includes(m?.method))) {
    await deps.dispatcher.calls.check(who.principal, id);
  }
}
