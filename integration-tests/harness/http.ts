// Raw HTTP helpers for tests that look at the wire: JSON-RPC POSTs, a session opener, and an SSE frame reader
// that keeps every field (id, retry, event, data, comments) so tests can check priming events and event ids.
import { request as httpRequest } from 'node:http';

export const ACCEPT_BOTH = 'application/json, text/event-stream';

export interface JsonRpcErrorBody {
  jsonrpc: '2.0';
  id: string | number | null;
  error: { code: number; message: string; data?: unknown };
}

export interface RawSession {
  sessionId: string;
  protocolVersion: string;
  /** headers every request of this session needs */
  headers: Record<string, string>;
  initializeResult: Record<string, unknown>;
}

let nextId = 1;
export function rpcId(): number {
  return nextId++;
}

export function rpcRequest(method: string, params?: Record<string, unknown>, id: string | number = rpcId()) {
  return params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
}

export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT_BOTH, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
}

/** initialize + notifications/initialized on `url`; returns the session and the headers to use with it. */
export async function openSession(
  url: string,
  protocolVersion = '2025-11-25',
  capabilities: Record<string, unknown> = {},
  /** sent with every request of the session (e.g. Authorization) */
  extraHeaders: Record<string, string> = {},
): Promise<RawSession> {
  const res = await post(
    url,
    rpcRequest('initialize', {
      protocolVersion,
      capabilities,
      clientInfo: { name: 'mcp-fleet-integration-tests', version: '0.0.0' },
    }),
    extraHeaders,
  );
  const text = await res.text();
  if (res.status !== 200) throw new Error(`initialize on ${url} answered ${res.status}: ${text}`);
  const sessionId = res.headers.get('mcp-session-id');
  if (!sessionId) throw new Error(`initialize on ${url} answered without an mcp-session-id header: ${text}`);
  const body = JSON.parse(text) as { result?: Record<string, unknown> };
  if (!body.result) throw new Error(`initialize on ${url} answered with no result: ${text}`);
  const negotiated = String(body.result.protocolVersion);
  const headers = { ...extraHeaders, 'mcp-session-id': sessionId, 'mcp-protocol-version': negotiated };
  const ack = await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
  const ackText = await ack.text();
  if (ack.status !== 202) throw new Error(`notifications/initialized on ${url} answered ${ack.status}: ${ackText}`);
  return { sessionId, protocolVersion: negotiated, headers, initializeResult: body.result };
}

/** GET /mcp on `url` for `session`, resuming after `lastEventId` when given. */
export async function getStream(
  url: string,
  session: RawSession,
  lastEventId?: string,
  signal?: AbortSignal,
  extraHeaders: Record<string, string> = {},
): Promise<Response> {
  const headers: Record<string, string> = { accept: 'text/event-stream', ...session.headers, ...extraHeaders };
  if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
  return fetch(url, { method: 'GET', headers, signal });
}

export async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(
      `expected a JSON body (HTTP ${res.status}, content-type ${res.headers.get('content-type')}), got: ${text.slice(0, 500)}`,
    );
  }
}

/** The media type of a response without parameters, lower case. */
export function mediaType(res: Response): string {
  return (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

export interface SseFrame {
  id?: string;
  event?: string;
  /** undefined when the frame had no data line; '' for an empty data line */
  data?: string;
  retry?: number;
  comments: string[];
  raw: string;
}

/** The JSON-RPC message carried by a frame, or undefined for frames without data. */
export function frameMessage(f: SseFrame): Record<string, unknown> | undefined {
  if (!f.data) return undefined;
  return JSON.parse(f.data) as Record<string, unknown>;
}

/** Parses one SSE event block (lines without the blank separator line). */
function parseBlock(block: string): SseFrame {
  const frame: SseFrame = { comments: [], raw: block };
  const dataLines: string[] = [];
  for (const line of block.split(/\r\n|\r|\n/)) {
    if (line === '') continue;
    if (line.startsWith(':')) {
      frame.comments.push(line.slice(1).trim());
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') dataLines.push(value);
    else if (field === 'id') frame.id = value;
    else if (field === 'event') frame.event = value;
    else if (field === 'retry' && /^\d+$/.test(value)) frame.retry = Number(value);
  }
  if (dataLines.length) frame.data = dataLines.join('\n');
  return frame;
}

/**
 * Reads a text/event-stream body frame by frame. Comment-only frames (keep-alives) are counted, not returned.
 * `next()` resolves with the next frame, or undefined when the server ended the stream.
 */
export class SseReader {
  readonly frames: SseFrame[] = [];
  keepalives = 0;
  ended = false;
  /** set when reading failed (e.g. the connection was reset) rather than ending cleanly */
  error: Error | undefined;
  private buf = '';
  private readonly queue: SseFrame[] = [];
  private waiting: (() => void) | undefined;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly pump: Promise<void>;

  constructor(res: Response) {
    if (!res.body) throw new Error(`response ${res.status} has no body`);
    this.reader = res.body.getReader();
    this.pump = this.run();
  }

  private async run(): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await this.reader.read();
        if (done) break;
        this.buf += decoder.decode(value, { stream: true });
        this.drainBuffer();
      }
      this.buf += decoder.decode();
      this.drainBuffer();
    } catch (err) {
      this.error = err as Error;
    } finally {
      this.ended = true;
      this.wake();
    }
  }

  private drainBuffer(): void {
    for (;;) {
      const m = /\r\n\r\n|\n\n|\r\r/.exec(this.buf);
      if (!m) return;
      const block = this.buf.slice(0, m.index);
      this.buf = this.buf.slice(m.index + m[0].length);
      const frame = parseBlock(block);
      const commentOnly =
        frame.id === undefined && frame.data === undefined && frame.event === undefined && frame.retry === undefined;
      if (commentOnly) {
        this.keepalives++;
        continue;
      }
      this.frames.push(frame);
      this.queue.push(frame);
      this.wake();
    }
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }

  /** The next frame; undefined when the stream ended; throws after `timeoutMs` with what was received so far. */
  async next(timeoutMs = 10_000): Promise<SseFrame | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = this.queue.shift();
      if (f) return f;
      if (this.ended) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`no SSE frame within ${timeoutMs} ms; received so far:\n${this.describe()}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiting = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** The next frame that carries data (skips priming frames). */
  async nextMessage(timeoutMs = 10_000): Promise<SseFrame | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = await this.next(Math.max(1, deadline - Date.now()));
      if (!f || f.data) return f;
    }
  }

  /** Reads until the server ends the stream; throws if it does not end within `timeoutMs`. */
  async readToEnd(timeoutMs = 15_000): Promise<SseFrame[]> {
    const out: SseFrame[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`SSE stream did not end within ${timeoutMs} ms; received:\n${this.describe()}`);
      const f = await this.next(left);
      if (!f) return out;
      out.push(f);
    }
  }

  /** Stops reading and closes the connection. */
  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => {});
    await this.pump.catch(() => {});
  }

  describe(): string {
    return this.frames.map((f) => f.raw.replace(/\n/g, ' | ')).join('\n') || '(nothing)';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes. */
export async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 5_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Splits an SSE event id `<streamId>:<seq>` (the format the contract promises); undefined when it is not one. */
export function splitEventId(id: string | undefined): { streamId: string; seq: number } | undefined {
  if (!id) return undefined;
  const m = /^([A-Za-z0-9_-]+):(\d+)$/.exec(id);
  return m ? { streamId: m[1]!, seq: Number(m[2]) } : undefined;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One request over node:http, for what fetch will not send (a `Host` header of the test's choosing). Reads the body
 * to its end unless `firstChunkOnly` (an SSE stream: resolves on the first bytes and destroys the connection).
 */
export function rawRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: unknown; firstChunkOnly?: boolean } = {},
): Promise<RawAnswer> {
  const body =
    opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      const done = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text });
      res.on('data', (chunk: string) => {
        text += chunk;
        if (opts.firstChunkOnly) {
          done();
          req.destroy();
        }
      });
      res.on('end', done);
      res.on('error', () => done());
    });
    req.on('error', reject);
    req.end(body);
  });
}
