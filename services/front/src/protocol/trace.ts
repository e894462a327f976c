// W3C trace context for the job (docs/architecture.md, "Traces"): `_meta` first (SEP-414), then the HTTP headers.
import type { IncomingHttpHeaders } from 'node:http';

type Trace = { traceparent?: string; tracestate?: string; baggage?: string };

export function traceOf(
  meta: Record<string, unknown> | undefined,
  headers: IncomingHttpHeaders | Record<string, string>,
): Trace | undefined {
  const pick = (k: keyof Trace): string | undefined => {
    const m = meta?.[k];
    if (typeof m === 'string') return m;
    const h = headers[k];
    return typeof h === 'string' ? h : undefined;
  };
  const t: Trace = {};
  for (const k of ['traceparent', 'tracestate', 'baggage'] as const) {
    const v = pick(k);
    if (v !== undefined) t[k] = v;
  }
  return Object.keys(t).length ? t : undefined;
}
