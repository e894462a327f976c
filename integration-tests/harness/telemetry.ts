// What a test needs to look at a fleet's telemetry from the outside: an OTLP/HTTP receiver (JSON encoding, what
// the fleet's exporters send) that keeps every span it is sent, and a Prometheus text-format scraper.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One exported span as the receiver keeps it, with the `service.instance.id` (NODE_ID) of the process it came from. */
export interface ReceivedSpan {
  node: string;
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP's SpanKind numbers: 1 internal, 2 server, 3 client, 4 producer, 5 consumer */
  kind: number;
  attributes: Record<string, unknown>;
}

interface OtlpAttr {
  key: string;
  value: Record<string, unknown>;
}

function attrs(list: OtlpAttr[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of list ?? []) out[a.key] = Object.values(a.value)[0];
  return out;
}

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** metric names seen in OTLP metric exports, by node */
  readonly metricNames = new Map<string, Set<string>>();
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        body += c;
      });
      req.on('end', () => {
        try {
          if (req.url === '/v1/traces') this.onTraces(JSON.parse(body));
          if (req.url === '/v1/metrics') this.onMetrics(JSON.parse(body));
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } catch {
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private onTraces(body: {
    resourceSpans?: {
      resource?: { attributes?: OtlpAttr[] };
      scopeSpans?: {
        spans?: {
          traceId: string;
          spanId: string;
          parentSpanId?: string;
          name: string;
          kind: number;
          attributes?: OtlpAttr[];
        }[];
      }[];
    }[];
  }): void {
    for (const rs of body.resourceSpans ?? []) {
      const res = attrs(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          this.spans.push({
            node: String(res['service.instance.id'] ?? ''),
            service: String(res['service.name'] ?? ''),
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId || undefined,
            name: s.name,
            kind: s.kind,
            attributes: attrs(s.attributes),
          });
        }
      }
    }
  }

  private onMetrics(body: {
    resourceMetrics?: {
      resource?: { attributes?: OtlpAttr[] };
      scopeMetrics?: { metrics?: { name: string }[] }[];
    }[];
  }): void {
    for (const rm of body.resourceMetrics ?? []) {
      const node = String(attrs(rm.resource?.attributes)['service.instance.id'] ?? '');
      const names = this.metricNames.get(node) ?? new Set<string>();
      for (const sm of rm.scopeMetrics ?? []) for (const m of sm.metrics ?? []) names.add(m.name);
      this.metricNames.set(node, names);
    }
  }

  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** One sample of a Prometheus text exposition: its name, labels and value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The sum of the samples named `name` whose labels include `match`. */
export function sampleSum(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
    .reduce((n, s) => n + s.value, 0);
}

export async function scrape(url: string, token?: string): Promise<Sample[]> {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`scrape of ${url} answered ${res.status}: ${text}`);
  return parsePrometheus(text);
}

/** Scrapes until `ready` holds (a worker records a call as it answers it, a moment after its client may have it). */
export async function scrapeUntil(
  url: string,
  token: string | undefined,
  ready: (samples: Sample[]) => boolean,
  timeoutMs = 5_000,
): Promise<Sample[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const samples = await scrape(url, token);
    if (ready(samples)) return samples;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for the metrics of ${url}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
