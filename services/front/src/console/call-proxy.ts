// The console's "call a tool" panel (POST /console/call): the node makes the call as an ordinary MCP client of its
// own endpoint — initialize, tools/call with a progress token and a partial-result token, DELETE at the end — with
// the console user's credential, and streams the call's SSE answer back to the page. So a console call takes the
// path every call takes (authentication, scopes, fair use, the queue, a worker, the call's Redis stream), shows in
// the in-flight list on every node, and proves that path works. Closing the page deletes the session, which
// cancels the call.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FleetError, type FleetConfig } from '@mcp-fleet/shared';
import { SERVER_INFO } from '../protocol/server-info.ts';

const VERSION = '2025-11-25';
const ACCEPT = 'application/json, text/event-stream';

export interface ConsoleCall {
  tool: string;
  arguments: Record<string, unknown>;
}

export function parseConsoleCall(body: unknown): ConsoleCall {
  let v: unknown;
  try {
    v = typeof body === 'string' ? JSON.parse(body) : body;
  } catch (err) {
    throw new FleetError('PARSE_ERROR', { args: [(err as Error).message] });
  }
  const o = v as Partial<ConsoleCall> | null;
  if (!o || typeof o.tool !== 'string' || !o.tool || (o.arguments !== undefined && typeof o.arguments !== 'object')) {
    throw new FleetError('INVALID_REQUEST', { args: ['expected {"tool": "<name>", "arguments": {…}}'] });
  }
  return { tool: o.tool, arguments: (o.arguments ?? {}) as Record<string, unknown> };
}

/** This node's own MCP endpoint, as reached from itself. */
export function selfUrl(config: Pick<FleetConfig, 'HOST' | 'MCP_PATH'>, port: number): string {
  const h = config.HOST;
  const host = h === '0.0.0.0' ? '127.0.0.1' : h === '::' ? '[::1]' : h.includes(':') ? `[${h}]` : h;
  return `http://${host}:${port}${config.MCP_PATH}`;
}

export async function proxyCall(
  request: FastifyRequest,
  reply: FastifyReply,
  a: { url: string; token?: string; call: ConsoleCall },
): Promise<void> {
  const abort = new AbortController();
  request.raw.on('close', () => abort.abort());
  // The Host the page was reached by (it passed the same allow-list the MCP path checks).
  const base: Record<string, string> = { 'content-type': 'application/json', accept: ACCEPT, host: request.host };
  if (a.token) base.authorization = `Bearer ${a.token}`;
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(a.url, {
      method: 'POST',
      headers: { ...base, ...headers },
      body: JSON.stringify(body),
      signal: abort.signal,
    });

  const init = await post({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: VERSION,
      capabilities: {},
      clientInfo: { name: 'mcp-fleet console', version: SERVER_INFO.version },
    },
  });
  const sessionId = init.headers.get('mcp-session-id');
  if (init.status !== 200 || !sessionId) {
    reply
      .code(init.status === 200 ? 502 : init.status)
      .type('application/json')
      .send(await init.text());
    return;
  }
  await init.text();
  const session = { 'mcp-session-id': sessionId, 'mcp-protocol-version': VERSION };
  try {
    await (await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, session)).text();
    const res = await post(
      {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: {
          name: a.call.tool,
          arguments: a.call.arguments,
          _meta: { progressToken: 'console', 'mcp-fleet/partialResultToken': 'console' },
        },
      },
      session,
    );
    if (!res.ok || !res.body) {
      reply
        .code(res.status)
        .type('application/json')
        .send(await res.text());
      return;
    }
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    if ((res.headers.get('content-type') ?? '').startsWith('application/json')) {
      out.end(`data: ${(await res.text()).replace(/\n/g, '')}\n\n`); // RESPONSE_MODE=json: one frame
      return;
    }
    for await (const chunk of res.body) {
      // Paced by the page's socket: a slow page slows this read, not the node's memory.
      if (abort.signal.aborted) break;
      if (!out.write(chunk)) {
        await new Promise((r) => {
          out.once('drain', r);
          out.once('close', r);
        });
      }
    }
    out.end();
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  } finally {
    // Ends the session (and so the call, if the page went away first).
    void fetch(a.url, { method: 'DELETE', headers: { ...base, ...session } }).catch(() => {});
    if (reply.sent && !reply.raw.writableEnded) reply.raw.end();
  }
}
