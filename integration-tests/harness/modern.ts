// The 2026-07-28 ("modern") protocol era against a fleet: the official v2 client (`@modelcontextprotocol/client`)
// behind a recording balancer, raw wire helpers for the per-request `_meta` envelope and its headers, and a way to
// add a worker process to a running fleet.
//
// The balancer records every HTTP exchange the client makes — node, JSON-RPC method, request headers and body,
// status, content type — and every JSON-RPC message read back from the response body (JSON or SSE), so tests can
// assert where each request landed and what the wire carried (resultType, ttlMs, cacheScope, subscription ids),
// which the client's typed results do not expose.
import { startExtraWorker } from './extra-worker.ts';
import { Client, StreamableHTTPClientTransport, type ClientCapabilities } from '@modelcontextprotocol/client';
import type { Fleet, WorkerNode } from './fleet.ts';
import { ACCEPT_BOTH, SseReader, frameMessage, mediaType } from './http.ts';
import type { FleetProcess, LogEntry } from './process.ts';

export const MODERN_VERSION = '2026-07-28';
export const META_KEYS = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
} as const;

export type JsonObject = Record<string, unknown>;

/** One HTTP exchange the v2 client made through the balancer. */
export interface Exchange {
  /** order of the request among all the balancer sent */
  index: number;
  http: string;
  /** JSON-RPC method of the POST body */
  rpc?: string;
  body?: JsonObject;
  headers: Headers;
  /** node id the request went to */
  node: string;
  status?: number;
  contentType?: string;
  responseHeaders?: Headers;
  /** JSON-RPC messages read from the response body so far (as the client reads it) */
  messages: JsonObject[];
  error?: string;
}

export type ModernRoute = (req: {
  index: number;
  http: string;
  rpc?: string;
  body?: JsonObject;
  headers: Headers;
}) => string | number | undefined;

/** Alternates POSTs between the fleet's front nodes: a, b, a, b… */
export function alternate(fleet: Fleet): ModernRoute {
  let n = 0;
  return () => n++ % fleet.fronts.length;
}

export interface ModernBalancer {
  /** a placeholder URL: nothing listens there, every request is rewritten to a front node */
  url: URL;
  fetch: (input: string | URL, init?: RequestInit) => Promise<Response>;
  route: ModernRoute;
  history: Exchange[];
  /** the POSTs of JSON-RPC method `rpc` */
  posts(rpc: string): Exchange[];
}

/** Parses a text/event-stream or JSON body chunk by chunk, calling `onMessage` with each JSON-RPC message. */
function messageTap(
  contentType: string,
  onMessage: (m: JsonObject) => void,
): { push(text: string): void; end(): void } {
  let buf = '';
  const sse = contentType === 'text/event-stream';
  const parseOne = (data: string) => {
    try {
      const v: unknown = JSON.parse(data);
      for (const m of Array.isArray(v) ? v : [v]) if (m && typeof m === 'object') onMessage(m as JsonObject);
    } catch {
      // not JSON: not a message
    }
  };
  const drain = () => {
    for (;;) {
      const m = /\r\n\r\n|\n\n|\r\r/.exec(buf);
      if (!m) return;
      const block = buf.slice(0, m.index);
      buf = buf.slice(m.index + m[0].length);
      const data = block
        .split(/\r\n|\r|\n/)
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).replace(/^ /, ''));
      if (data.length) parseOne(data.join('\n'));
    }
  };
  return {
    push(text) {
      buf += text;
      if (sse) drain();
    },
    end() {
      if (sse) {
        buf += '\n\n';
        drain();
      } else if (buf.trim()) parseOne(buf);
      buf = '';
    },
  };
}

export function modernBalancer(fleet: Fleet, route: ModernRoute = () => 0): ModernBalancer {
  const history: Exchange[] = [];
  const lb: ModernBalancer = {
    url: new URL('http://127.0.0.1:9/mcp'),
    route,
    history,
    posts: (rpc) => history.filter((e) => e.http === 'POST' && e.rpc === rpc),
    fetch: async (input, init) => {
      const http = (init?.method ?? 'GET').toUpperCase();
      const headers = new Headers(init?.headers);
      let body: JsonObject | undefined;
      if (typeof init?.body === 'string') {
        try {
          body = JSON.parse(init.body) as JsonObject;
        } catch {
          // forwarded as is
        }
      }
      const rpc = typeof body?.method === 'string' ? body.method : undefined;
      const index = history.length;
      const node = fleet.front(lb.route({ index, http, rpc, body, headers }) ?? 0);
      const ex: Exchange = { index, http, rpc, body, headers, node: node.nodeId, messages: [] };
      history.push(ex);
      const inUrl = new URL(typeof input === 'string' ? input : input.href);
      const out = new URL(node.url);
      out.search = inUrl.search;
      let res: Response;
      try {
        res = await fetch(out, { ...init, headers });
      } catch (err) {
        ex.error = (err as Error).message;
        throw err;
      }
      ex.status = res.status;
      ex.contentType = mediaType(res);
      ex.responseHeaders = res.headers;
      if (!res.body) return res;
      const tap = messageTap(ex.contentType, (m) => ex.messages.push(m));
      const decoder = new TextDecoder();
      const stream = res.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            tap.push(decoder.decode(chunk, { stream: true }));
            controller.enqueue(chunk);
          },
          flush() {
            tap.push(decoder.decode());
            tap.end();
          },
        }),
      );
      return new Response(stream, { status: res.status, statusText: res.statusText, headers: res.headers });
    },
  };
  return lb;
}

/** The JSON-RPC response (result or error) an exchange carried, if it has arrived. */
export function responseOf(ex: Exchange): JsonObject | undefined {
  return ex.messages.find((m) => 'result' in m || 'error' in m);
}

/** The result object of an exchange's response; throws with what arrived when there is none. */
export function resultOf(ex: Exchange): JsonObject {
  const r = responseOf(ex);
  if (!r?.result)
    throw new Error(`no result on ${ex.http} ${ex.rpc} → ${ex.node} (${ex.status}): ${JSON.stringify(ex.messages)}`);
  return r.result as JsonObject;
}

export interface ModernClient {
  client: Client;
  transport: StreamableHTTPClientTransport;
  lb: ModernBalancer;
  /** errors the client reported through onerror */
  errors: Error[];
  close(): Promise<void>;
}

export interface ModernClientOptions {
  route?: ModernRoute;
  capabilities?: ClientCapabilities;
  /** handlers (elicitation/create, sampling/createMessage, roots/list, notifications) before connect */
  setup?: (client: Client) => void;
  name?: string;
}

/** The v2 client with `versionNegotiation: auto` (connect probes server/discover), through a recording balancer. */
export async function connectModern(fleet: Fleet, opts: ModernClientOptions = {}): Promise<ModernClient> {
  const lb = modernBalancer(fleet, opts.route);
  const client = new Client(
    { name: opts.name ?? 'mcp-fleet-modern-tests', version: '0.0.0' },
    { capabilities: opts.capabilities ?? {}, versionNegotiation: { mode: 'auto' } },
  );
  const errors: Error[] = [];
  client.onerror = (err) => errors.push(err);
  opts.setup?.(client);
  const transport = new StreamableHTTPClientTransport(lb.url, { fetch: lb.fetch });
  await client.connect(transport);
  return {
    client,
    transport,
    lb,
    errors,
    close: async () => {
      await client.close().catch(() => {});
    },
  };
}

// ---- raw wire ----------------------------------------------------------------------------------------------

export interface EnvelopeOptions {
  version?: string;
  capabilities?: JsonObject;
  logLevel?: string;
  clientInfo?: JsonObject;
}

/** The per-request `_meta` envelope of a 2026-07-28 request. */
export function envelope(opts: EnvelopeOptions = {}): JsonObject {
  const meta: JsonObject = {
    [META_KEYS.protocolVersion]: opts.version ?? MODERN_VERSION,
    [META_KEYS.clientCapabilities]: opts.capabilities ?? {},
    [META_KEYS.clientInfo]: opts.clientInfo ?? { name: 'mcp-fleet-modern-wire-tests', version: '0.0.0' },
  };
  if (opts.logLevel !== undefined) meta[META_KEYS.logLevel] = opts.logLevel;
  return meta;
}

let nextId = 1;

export interface ModernRequest {
  method: string;
  params?: JsonObject;
  id?: string | number;
  /** the envelope; `false` sends none (params._meta keeps only the keys in `extraMeta`) */
  envelope?: EnvelopeOptions | false;
  /** more `_meta` keys (progressToken, traceparent…) */
  extraMeta?: JsonObject;
  /** headers replacing or adding to the derived MCP-Protocol-Version / Mcp-Method / Mcp-Name */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Body and headers of a modern request: the envelope in params._meta, Mcp-Method and (for named calls) Mcp-Name. */
export function modernMessage(req: ModernRequest): { body: JsonObject; headers: Record<string, string> } {
  const id = req.id ?? `w${nextId++}`;
  const meta = { ...(req.envelope === false ? {} : envelope(req.envelope)), ...req.extraMeta };
  const params: JsonObject = { ...req.params };
  if (Object.keys(meta).length) params._meta = { ...(params._meta as JsonObject | undefined), ...meta };
  const body: JsonObject = { jsonrpc: '2.0', id, method: req.method, params };
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: ACCEPT_BOTH,
    'mcp-protocol-version':
      req.envelope === false || req.envelope?.version === undefined ? MODERN_VERSION : req.envelope.version,
    'mcp-method': req.method,
  };
  const name = req.method === 'resources/read' ? req.params?.uri : req.params?.name;
  if (typeof name === 'string' && ['tools/call', 'prompts/get', 'resources/read'].includes(req.method))
    headers['mcp-name'] = name;
  return { body, headers: { ...headers, ...req.headers } };
}

/** POSTs a modern request to `url` and returns the response unread. */
export function modernFetch(url: string, req: ModernRequest): Promise<Response> {
  const { body, headers } = modernMessage(req);
  return fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: req.signal });
}

export interface ModernAnswer {
  status: number;
  headers: Headers;
  contentType: string;
  /** every JSON-RPC message of the body, in order */
  messages: JsonObject[];
  /** the response message (result or error) */
  response: JsonObject;
  result?: JsonObject;
  error?: { code: number; message: string; data?: JsonObject };
  /** the raw body text (JSON) or frames (SSE), for failure messages */
  raw: string;
}

/** POSTs a modern request and reads the whole answer (JSON, or an SSE stream to its end). */
export async function modernCall(url: string, req: ModernRequest, timeoutMs = 15_000): Promise<ModernAnswer> {
  const res = await modernFetch(url, req);
  const contentType = mediaType(res);
  let messages: JsonObject[];
  let raw: string;
  if (contentType === 'text/event-stream') {
    const reader = new SseReader(res);
    const frames = await reader.readToEnd(timeoutMs);
    messages = frames.map(frameMessage).filter((m): m is JsonObject => m !== undefined);
    raw = reader.describe();
  } else {
    raw = await res.text();
    try {
      const v: unknown = JSON.parse(raw);
      messages = (Array.isArray(v) ? v : [v]) as JsonObject[];
    } catch {
      throw new Error(
        `expected JSON or SSE from ${req.method} (HTTP ${res.status}, ${contentType}): ${raw.slice(0, 500)}`,
      );
    }
  }
  const response = messages.find((m) => 'result' in m || 'error' in m);
  if (!response) throw new Error(`no JSON-RPC response to ${req.method} (HTTP ${res.status}): ${raw.slice(0, 1000)}`);
  return {
    status: res.status,
    headers: res.headers,
    contentType,
    messages,
    response,
    result: response.result as JsonObject | undefined,
    error: response.error as ModernAnswer['error'],
    raw,
  };
}

/** Text of a result with exactly one text content item. */
export function textOf(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] } | undefined)?.content;
  if (!Array.isArray(content) || content.length !== 1 || content[0]!.type !== 'text') {
    throw new Error(`expected one text content item, got ${JSON.stringify(result)}`);
  }
  return content[0]!.text!;
}

// ---- processes ---------------------------------------------------------------------------------------------

/** Log entries of `proc` matching `pred` that were not there when this was called; waits for the first. */
export function nextLog(
  proc: FleetProcess,
  pred: (e: LogEntry) => boolean,
  timeoutMs = 5_000,
  what = 'log line',
): Promise<LogEntry> {
  const seen = new Set(proc.findLogs(pred));
  return proc.waitForLog((e) => pred(e) && !seen.has(e), timeoutMs, what);
}

/** Warnings and errors a process printed: stderr lines (e.g. MaxListenersExceededWarning) and pino warn/error. */
export function complaints(proc: FleetProcess): string[] {
  return proc.lines.filter((l) => {
    if (l.startsWith('[stderr]')) return true;
    if (!l.startsWith('{')) return false;
    try {
      return ((JSON.parse(l) as LogEntry).level ?? 0) >= 40;
    } catch {
      return false;
    }
  });
}

/** Adds a worker process (its own tool packs and queue) to a running fleet; resolves when it is ready. */
export function addWorker(
  fleet: Fleet,
  opts: { nodeId: string; toolPacks: string; queue?: string; env?: Record<string, string>; logName?: string },
): Promise<WorkerNode> {
  return startExtraWorker(fleet, { ...opts, logName: opts.logName ?? 'modern' });
}
