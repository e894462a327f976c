// A "load balancer" for the SDK client: a fetch that sends each request to the front node the test chooses.
// The client transport is given `balancer.url`, a placeholder on 127.0.0.1 where nothing listens (so a request that
// bypassed the balancer would fail loudly); the balancer rewrites every request to the chosen node's endpoint.
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Fleet, FrontNode } from './fleet.ts';

export interface RoutedRequest {
  /** HTTP method */
  http: string;
  /** JSON-RPC method of a POST body (first message of a batch), when there is one */
  rpc?: string;
  /** the parsed POST body, when it is JSON */
  body?: unknown;
  headers: Headers;
  /** node id the request was sent to */
  node: string;
  /** HTTP status, once the response headers arrived */
  status?: number;
  /** set when fetch itself failed (e.g. connection refused) */
  error?: string;
}

export interface Balancer {
  url: URL;
  fetch: FetchLike;
  /** where requests go when `route` is unset or returns undefined: alias ('a'), node id or index */
  target: string | number;
  /** per-request choice; return a front alias, node id or index */
  route?: (req: { http: string; rpc?: string; body?: unknown; headers: Headers }) => string | number | undefined;
  /** every request sent, in order */
  history: RoutedRequest[];
}

export function createBalancer(fleet: Fleet, target: string | number = 0): Balancer {
  const lb: Balancer = {
    url: new URL('http://127.0.0.1:9/mcp'),
    target,
    history: [],
    fetch: async (input, init) => {
      const http = (init?.method ?? 'GET').toUpperCase();
      const headers = new Headers(init?.headers);
      let body: unknown;
      let rpc: string | undefined;
      if (typeof init?.body === 'string') {
        try {
          body = JSON.parse(init.body);
          const first = Array.isArray(body) ? body[0] : body;
          if (first && typeof first === 'object' && typeof (first as { method?: unknown }).method === 'string') {
            rpc = (first as { method: string }).method;
          }
        } catch {
          // not JSON: forwarded as is
        }
      }
      const choice = lb.route?.({ http, rpc, body, headers }) ?? lb.target;
      const node: FrontNode = fleet.front(choice);
      const inUrl = new URL(typeof input === 'string' ? input : input.href);
      const out = new URL(node.url);
      out.search = inUrl.search;
      const rec: RoutedRequest = { http, rpc, body, headers, node: node.nodeId };
      lb.history.push(rec);
      try {
        const res = await fetch(out, { ...init, headers });
        rec.status = res.status;
        return res;
      } catch (err) {
        rec.error = (err as Error).message;
        throw err;
      }
    },
  };
  return lb;
}
