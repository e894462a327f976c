// The one load client every figure uses (undici 7): MCP over Streamable HTTP — initialize, tools/call with JSON or
// SSE answers (parsed with eventsource-parser), GET streams and resumes — plus the small statistics helpers.
import { Client, Pool, type Dispatcher } from 'undici';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export const PROTOCOL_VERSION = '2025-11-25';
export const MCP_PATH = '/mcp';

/** A server under test: the fleet (front node), or one of the SDK baselines. */
export interface Target {
  /** short key used in JSON results */
  key: string;
  /** label used in tables */
  label: string;
  /** http://127.0.0.1:port */
  origin: string;
  /** sessionful servers answer initialize with mcp-session-id and want it on every request */
  sessionful: boolean;
  pid: number;
}

export interface CallOutcome {
  /** SSE events received that carried data (priming events excluded) */
  events: number;
  /** progress notifications among them */
  progress: number;
  /** ids of the events, in order (for resume tests) */
  ids: string[];
  response?: { result?: unknown; error?: unknown };
}

const BASE_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

export function pool(origin: string, connections: number): Pool {
  return new Pool(origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: 60_000,
    bodyTimeout: 120_000,
  });
}

export class McpClient {
  sessionId?: string;
  private nextId = 1;

  constructor(
    readonly target: Target,
    readonly dispatcher: Dispatcher,
  ) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { ...BASE_HEADERS, 'mcp-protocol-version': PROTOCOL_VERSION, ...extra };
    if (this.sessionId) h['mcp-session-id'] = this.sessionId;
    return h;
  }

  /**
   * initialize (+ notifications/initialized for sessionful servers, or for any with `initialized: true`; none with
   * false). Stateless servers answer it too.
   */
  async initialize(opts: { initialized?: boolean } = {}): Promise<void> {
    const body = {
      jsonrpc: '2.0',
      id: this.nextId++,
      method: 'initialize',
      params: {
        protocolVersion: PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: { name: 'mcp-fleet-bench', version: '1' },
      },
    };
    const res = await this.dispatcher.request({
      origin: this.target.origin,
      path: MCP_PATH,
      method: 'POST',
      headers: BASE_HEADERS,
      body: JSON.stringify(body),
    });
    await readOutcome(res, 'initialize');
    const sid = res.headers['mcp-session-id'];
    if (this.target.sessionful) {
      if (typeof sid !== 'string') throw new Error(`${this.target.label}: initialize returned no mcp-session-id`);
      this.sessionId = sid;
    }
    if (opts.initialized ?? this.target.sessionful) await this.notify('notifications/initialized');
  }

  /** One JSON-RPC notification; throws unless the server accepts it (2xx). */
  async notify(method: string, params?: Record<string, unknown>): Promise<void> {
    const res = await this.dispatcher.request({
      origin: this.target.origin,
      path: MCP_PATH,
      method: 'POST',
      headers: this.headers(),
      body: JSON.stringify({ jsonrpc: '2.0', method, ...(params && { params }) }),
    });
    await res.body.dump();
    if (res.statusCode >= 300) throw new Error(`${this.target.label}: ${method}: HTTP ${res.statusCode}`);
  }

  /** One tools/call; resolves when the response has arrived and the HTTP response has ended. */
  async call(name: string, args: Record<string, unknown>, progressToken?: string): Promise<CallOutcome> {
    const params: Record<string, unknown> = { name, arguments: args };
    if (progressToken !== undefined) params._meta = { progressToken };
    return this.request('tools/call', params, `tools/call ${name}`);
  }

  /** One JSON-RPC request (tools/list, tools/call, …) on the session; resolves when its HTTP response has ended. */
  async request(method: string, params: Record<string, unknown> = {}, what = method): Promise<CallOutcome> {
    const res = await this.dispatcher.request({
      origin: this.target.origin,
      path: MCP_PATH,
      method: 'POST',
      headers: this.headers(),
      body: JSON.stringify({ jsonrpc: '2.0', id: this.nextId++, method, params }),
    });
    const out = await readOutcome(res, what);
    if (!out.response) throw new Error(`${this.target.label}: ${what} ended without a response`);
    return out;
  }

  /** DELETE the session (sessionful servers); the HTTP status, or undefined when there is no session. */
  async close(): Promise<number | undefined> {
    if (!this.sessionId) return;
    const res = await this.dispatcher.request({
      origin: this.target.origin,
      path: MCP_PATH,
      method: 'DELETE',
      headers: this.headers(),
    });
    await res.body.dump();
    return res.statusCode;
  }

  /**
   * GET on the endpoint (the standalone stream, or a resume with Last-Event-ID). Resolves once the response
   * headers are in; `onEvent` sees every SSE event with data.
   */
  async openGet(
    lastEventId: string | undefined,
    onEvent: (ev: EventSourceMessage) => void,
    via: { dispatcher: Dispatcher; origin: string } = { dispatcher: this.dispatcher, origin: this.target.origin },
  ): Promise<Dispatcher.ResponseData> {
    const headers = this.headers({ accept: 'text/event-stream' });
    delete headers['content-type'];
    if (lastEventId) headers['last-event-id'] = lastEventId;
    const res = await via.dispatcher.request({ origin: via.origin, path: MCP_PATH, method: 'GET', headers });
    if (res.statusCode !== 200) throw new Error(`${this.target.label}: GET ${res.statusCode} ${await res.body.text()}`);
    const parser = createParser({ onEvent: (ev) => ev.data && onEvent(ev) });
    const decoder = new TextDecoder();
    res.body.on('data', (chunk: Buffer) => parser.feed(decoder.decode(chunk, { stream: true })));
    res.body.on('error', () => {});
    return res;
  }
}

/** Reads a JSON or SSE answer to its end and returns what came in. */
async function readOutcome(res: Dispatcher.ResponseData, what: string): Promise<CallOutcome> {
  const type = String(res.headers['content-type'] ?? '');
  const out: CallOutcome = { events: 0, progress: 0, ids: [] };
  if (res.statusCode >= 300)
    throw new Error(`${what}: HTTP ${res.statusCode} ${(await res.body.text()).slice(0, 300)}`);
  if (type.startsWith('application/json')) {
    out.response = (await res.body.json()) as CallOutcome['response'];
    out.events = 1;
    return out;
  }
  if (!type.startsWith('text/event-stream')) throw new Error(`${what}: unexpected content-type ${type}`);
  const parser = createParser({
    onEvent(ev) {
      if (!ev.data) return; // priming event
      out.events++;
      if (ev.id) out.ids.push(ev.id);
      // Progress notifications are counted without parsing (the fan-out figure receives hundreds of thousands).
      if (ev.data.includes('"notifications/progress"')) return void out.progress++;
      const msg = JSON.parse(ev.data) as { id?: unknown; method?: string; result?: unknown; error?: unknown };
      if (msg.id !== undefined && (msg.result !== undefined || msg.error !== undefined)) out.response = msg;
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of res.body) parser.feed(decoder.decode(chunk as Buffer, { stream: true }));
  return out;
}

/** `n` clients of `target` over `dispatcher`, each with its session initialized (in parallel). */
export function initializedClients(target: Target, dispatcher: Dispatcher, n: number): Promise<McpClient[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const c = new McpClient(target, dispatcher);
      await c.initialize();
      return c;
    }),
  );
}

/** A fresh connection for one request (a resuming client whose connection dropped opens a new one). */
export function freshClient(origin: string): Client {
  return new Client(origin, { pipelining: 1, headersTimeout: 30_000, bodyTimeout: 30_000 });
}

/** Runs `fn(i)` for i in [0, n) with at most `concurrency` at once. */
export async function runPool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, n) }, async () => {
    while (next < n) await fn(next++);
  });
  await Promise.all(lanes);
}

/** Nearest-rank percentile of an unsorted sample (ms). */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Median of per-round figures (the mean of the middle two for an even count; NaN for none). */
export function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function summarize(samples: number[]): { n: number; p50: number; p90: number; p99: number; mean: number } {
  const mean = samples.reduce((a, b) => a + b, 0) / (samples.length || 1);
  return {
    n: samples.length,
    p50: percentile(samples, 50),
    p90: percentile(samples, 90),
    p99: percentile(samples, 99),
    mean,
  };
}
