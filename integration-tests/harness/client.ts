// The official MCP SDK client over Streamable HTTP, pointed at a front node or at a test balancer.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  StreamableHTTPClientTransport,
  type StreamableHTTPReconnectionOptions,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Balancer } from './lb.ts';

/** Short delays so a resume happens within a test's time budget (the server's `retry` field overrides them). */
export const FAST_RECONNECT: StreamableHTTPReconnectionOptions = {
  initialReconnectionDelay: 100,
  maxReconnectionDelay: 1_000,
  reconnectionDelayGrowFactor: 1.5,
  maxRetries: 20,
};

export interface ConnectedClient {
  client: Client;
  transport: StreamableHTTPClientTransport;
  /** errors the client reported through onerror (reconnects, stream drops) */
  errors: Error[];
  close(): Promise<void>;
}

export async function connectClient(
  target: Balancer | string,
  opts: { reconnectionOptions?: StreamableHTTPReconnectionOptions; name?: string } = {},
): Promise<ConnectedClient> {
  const url = typeof target === 'string' ? new URL(target) : target.url;
  const transport = new StreamableHTTPClientTransport(url, {
    fetch: typeof target === 'string' ? undefined : target.fetch,
    reconnectionOptions: opts.reconnectionOptions ?? FAST_RECONNECT,
  });
  const client = new Client({ name: opts.name ?? 'mcp-fleet-integration-tests', version: '0.0.0' });
  const errors: Error[] = [];
  client.onerror = (err) => errors.push(err);
  await client.connect(transport);
  return {
    client,
    transport,
    errors,
    close: async () => {
      await client.close().catch(() => {});
    },
  };
}
