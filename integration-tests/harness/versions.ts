// The official v1 SDK client for each protocol version this server speaks, across the fleet's front nodes.
//
// The SDK's Client always asks for its latest protocol version in initialize; to hold a session of an older
// version the client's fetch rewrites `protocolVersion` in the initialize body (the server echoes a version it
// supports, and the client accepts any version it knows). 2024-11-05 is spoken over the legacy HTTP+SSE transport
// (SSEClientTransport: GET /sse + POST /messages), the others over Streamable HTTP.
//
// Every client records what it sent (node, HTTP method, JSON-RPC method, status) and every JSON-RPC message it
// received, so tests can check where requests went and that a notification arrived exactly once.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { ClientCapabilities, JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { FAST_RECONNECT } from './client.ts';
import type { Fleet } from './fleet.ts';
import { eventually, sleep } from './http.ts';

export const LEGACY_VERSION = '2024-11-05';
export const STREAMABLE_VERSIONS = ['2025-03-26', '2025-06-18', '2025-11-25'] as const;
export const ALL_VERSIONS = [LEGACY_VERSION, ...STREAMABLE_VERSIONS] as const;
export type ProtocolVersion = (typeof ALL_VERSIONS)[number];

/** What kind of JSON-RPC message a POST carries (a batch: its first message). */
export type MessageKind = 'request' | 'notification' | 'response';

export interface SentRequest {
  /** HTTP method */
  http: string;
  /** path and query the client asked for, e.g. /mcp or /messages?sessionId=… */
  path: string;
  /** JSON-RPC method of a POST (first message of a batch) */
  rpc?: string;
  kind?: MessageKind;
  body?: unknown;
  /** node id the request was sent to */
  node: string;
  status?: number;
  error?: string;
}

/** Chooses the front node (alias, node id or index) for one POST; undefined = the stream node. */
export type PostRoute = (req: { rpc?: string; kind?: MessageKind; body?: unknown }) => string | number | undefined;

export interface VersionedClientOptions {
  /** the protocol version to ask for in initialize */
  version: ProtocolVersion;
  /** the node that holds the session's standalone GET stream (2024-11-05: the SSE stream) */
  streamNode: string | number;
  /** where each POST goes; by default to `streamNode` */
  route?: PostRoute;
  capabilities?: ClientCapabilities;
  /** called with the client before it connects (request and notification handlers) */
  setup?: (client: Client) => void;
  name?: string;
}

export interface VersionedClient {
  version: ProtocolVersion;
  /** the version the server answered in initialize */
  negotiated: string;
  /** Mcp-Session-Id, or for 2024-11-05 the sessionId of the POST endpoint */
  sessionId: string;
  legacy: boolean;
  client: Client;
  transport: StreamableHTTPClientTransport | SSEClientTransport;
  /** every HTTP request the client made, in order */
  sent: SentRequest[];
  /** every JSON-RPC message the client received, in order */
  received: JSONRPCMessage[];
  /** errors the client reported through onerror */
  errors: Error[];
  /** the raw text received on the standalone GET / SSE stream(s), for checks on what came where */
  streamText(): string;
  /** params of every notification `method` received so far */
  notifications(method: string): Record<string, unknown>[];
  /** Ends the session: DELETE (Streamable HTTP) or closing the SSE stream (2024-11-05, then waits until it is gone). */
  close(): Promise<void>;
}

function kindOf(msg: unknown): MessageKind | undefined {
  if (!msg || typeof msg !== 'object') return undefined;
  const m = msg as Record<string, unknown>;
  if (typeof m.method === 'string') return 'id' in m ? 'request' : 'notification';
  if ('result' in m || 'error' in m) return 'response';
  return undefined;
}

/** Parses a JSON body and rewrites the protocolVersion of an initialize request to `version`. */
function inspectBody(body: RequestInit['body'] | undefined, version: string) {
  if (typeof body !== 'string') return { body, parsed: undefined as unknown };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { body, parsed: undefined as unknown };
  }
  const first = Array.isArray(parsed) ? parsed[0] : parsed;
  if (first && typeof first === 'object' && (first as { method?: unknown }).method === 'initialize') {
    const params = (first as { params: Record<string, unknown> }).params;
    params.protocolVersion = version;
    return { body: JSON.stringify(parsed), parsed };
  }
  return { body, parsed };
}

/** Copies a response while recording its body text (the stream is read as the client reads it). */
function tapBody(res: Response, onText: (text: string) => void): Response {
  if (!res.body) return res;
  const decoder = new TextDecoder();
  const tap = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      onText(decoder.decode(chunk, { stream: true }));
      controller.enqueue(chunk);
    },
  });
  return new Response(res.body.pipeThrough(tap), {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
  });
}

/**
 * Connects an SDK client speaking `opts.version`, its standalone stream on `opts.streamNode` and its POSTs routed by
 * `opts.route`. Resolves once initialize is done and the standalone stream (GET /mcp, or GET /sse) is open, so a
 * notification sent from then on reaches it.
 */
export async function connectVersioned(fleet: Fleet, opts: VersionedClientOptions): Promise<VersionedClient> {
  const legacy = opts.version === LEGACY_VERSION;
  const sent: SentRequest[] = [];
  const received: JSONRPCMessage[] = [];
  const errors: Error[] = [];
  let streamText = '';
  const placeholder = new URL(legacy ? 'http://127.0.0.1:9/sse' : 'http://127.0.0.1:9/mcp');

  const fetchFn: FetchLike = async (input, init) => {
    const http = (init?.method ?? 'GET').toUpperCase();
    const inUrl = new URL(typeof input === 'string' ? input : input.href);
    const { body, parsed } = inspectBody(init?.body ?? undefined, opts.version);
    const first = Array.isArray(parsed) ? parsed[0] : parsed;
    const kind = kindOf(first);
    const rpc = kind === 'request' || kind === 'notification' ? (first as { method: string }).method : undefined;
    const choice = http === 'POST' ? (opts.route?.({ rpc, kind, body: parsed }) ?? opts.streamNode) : opts.streamNode;
    const node = fleet.front(choice);
    const out = new URL(node.url);
    // Streamable HTTP: the node's MCP endpoint; legacy: the same path (/sse, /messages) on the node.
    if (legacy) out.pathname = inUrl.pathname;
    out.search = inUrl.search;
    const rec: SentRequest = { http, path: inUrl.pathname + inUrl.search, rpc, kind, body: parsed, node: node.nodeId };
    sent.push(rec);
    try {
      const res = await fetch(out, { ...init, body });
      rec.status = res.status;
      if (http === 'GET' && res.ok) return tapBody(res, (t) => (streamText += t));
      return res;
    } catch (err) {
      rec.error = (err as Error).message;
      throw err;
    }
  };

  const transport = legacy
    ? new SSEClientTransport(placeholder, { fetch: fetchFn })
    : new StreamableHTTPClientTransport(placeholder, { fetch: fetchFn, reconnectionOptions: FAST_RECONNECT });
  // The client chains its own handler after this one (Protocol.connect keeps a handler set before it).
  transport.onmessage = (msg) => {
    received.push(msg);
  };
  const client = new Client(
    { name: opts.name ?? `it-${opts.version}`, version: '0.0.0' },
    { capabilities: opts.capabilities ?? {} },
  );
  client.onerror = (err) => errors.push(err);
  opts.setup?.(client);
  await client.connect(transport);

  const initAnswer = received.find(
    (m) => 'result' in m && typeof (m.result as { protocolVersion?: unknown }).protocolVersion === 'string',
  ) as { result: { protocolVersion: string } } | undefined;
  if (!initAnswer) throw new Error(`no initialize result among the received messages: ${JSON.stringify(received)}`);
  let sessionId: string | undefined;
  if (legacy) {
    const post = sent.find((s) => s.http === 'POST');
    sessionId = post ? (new URLSearchParams(post.path.split('?')[1] ?? '').get('sessionId') ?? undefined) : undefined;
  } else {
    sessionId = (transport as StreamableHTTPClientTransport).sessionId;
    // The SDK opens the GET stream after notifications/initialized was accepted; wait until it is open.
    await eventually(
      () => sent.some((s) => s.http === 'GET' && s.status === 200),
      5_000,
      `the ${opts.version} client's GET stream to open (requests: ${JSON.stringify(sent.map((s) => [s.http, s.rpc, s.status]))})`,
    );
  }
  if (!sessionId) throw new Error(`no session id for the ${opts.version} client`);
  const sid = sessionId;

  return {
    version: opts.version,
    negotiated: initAnswer.result.protocolVersion,
    sessionId: sid,
    legacy,
    client,
    transport,
    sent,
    received,
    errors,
    streamText: () => streamText,
    notifications: (method) =>
      received
        .filter((m) => 'method' in m && m.method === method && !('id' in m))
        .map((m) => (m as { params?: Record<string, unknown> }).params ?? {}),
    async close() {
      if (!legacy) {
        await (transport as StreamableHTTPClientTransport).terminateSession().catch(() => {});
        await client.close().catch(() => {});
        return;
      }
      await client.close().catch(() => {});
      // A 2024-11-05 session ends with its SSE stream: wait until the server has let it go.
      const node = fleet.front(opts.streamNode);
      const url = new URL(`/messages?sessionId=${encodeURIComponent(sid)}`, node.url);
      await eventually(
        async () => {
          const res = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
            body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/roots/list_changed' }),
          });
          await res.body?.cancel();
          return res.status === 404;
        },
        5_000,
        `legacy session ${sid} to end after its SSE stream closed`,
      );
    },
  };
}

/** Waits until `cond` holds or `ms` passed, without failing: the assertion after it shows what arrived. */
export async function settle(cond: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await sleep(20);
}

/** The text of a tool result that holds exactly one text content item. */
export function resultText(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content;
  if (!Array.isArray(content) || content.length !== 1 || content[0]!.type !== 'text') {
    throw new Error(`expected one text content item, got ${JSON.stringify(result)}`);
  }
  return content[0]!.text!;
}

/**
 * Waits until `c` has received at least `n` notifications `method` (up to `timeoutMs`), then `quietMs` more to
 * catch duplicates, and returns the params of all of them: the caller asserts the exact list.
 */
export async function collectNotifications(
  c: VersionedClient,
  method: string,
  n: number,
  { timeoutMs = 5_000, quietMs = 400 }: { timeoutMs?: number; quietMs?: number } = {},
): Promise<Record<string, unknown>[]> {
  await settle(() => c.notifications(method).length >= n, timeoutMs);
  await sleep(quietMs);
  return c.notifications(method);
}

/** How many times `method` appears as a message on the client's standalone (GET / SSE) stream so far. */
export function onStandaloneStream(c: VersionedClient, method: string): number {
  let n = 0;
  for (const block of c.streamText().split(/\r?\n\r?\n/)) {
    const data = block
      .split(/\r?\n/)
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).trimStart())
      .join('\n');
    if (!data) continue;
    try {
      if ((JSON.parse(data) as { method?: unknown }).method === method) n++;
    } catch {
      // a partial frame at the end of what was read so far
    }
  }
  return n;
}

/**
 * Waits until every request `c` sent has its HTTP status (or failed): a request's answer can reach the client on
 * another stream before that request's own response headers do.
 */
export async function allAnswered(c: VersionedClient, timeoutMs = 5_000): Promise<SentRequest[]> {
  await eventually(
    () => c.sent.every((s) => s.status !== undefined || s.error !== undefined),
    timeoutMs,
    `every request of the ${c.version} client to get its HTTP status`,
  );
  return c.sent;
}
