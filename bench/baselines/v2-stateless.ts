// Baseline: SDK v2 (@modelcontextprotocol/server 2.x) `createMcpHandler`, its web-standard stateless handler, served
// with node:http, serving the same echo and count tools as the other baselines. 2025-era requests (what the bench
// client sends) take its stateless legacy leg: a fresh server from the factory per request. The node↔fetch bridge
// is the few lines @modelcontextprotocol/node would provide.
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { z } from 'zod';
import {
  COUNT_DESCRIPTION,
  COUNT_SHAPE,
  ECHO_DESCRIPTION,
  countLoop,
  progressNotification,
  readText,
  serve,
} from './common.ts';

function buildServer(): McpServer {
  const server = new McpServer({ name: 'bench-sdk-v2', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: ECHO_DESCRIPTION, inputSchema: z.object({ text: z.string() }) },
    async ({ text }) => ({
      content: [{ type: 'text' as const, text }],
    }),
  );
  server.registerTool(
    'count',
    {
      description: COUNT_DESCRIPTION,
      inputSchema: z.object(COUNT_SHAPE),
    },
    async ({ to, intervalMs = 100 }, ctx) => {
      const token = ctx.mcpReq._meta?.progressToken;
      const text = await countLoop(to, intervalMs, async (i, total) => {
        if (token === undefined) return;
        await ctx.mcpReq.notify(progressNotification(token, i, total));
      });
      return { content: [{ type: 'text' as const, text }] };
    },
  );
  return server;
}

const handler = createMcpHandler(buildServer, { onerror: () => {} });

serve(async (req, res) => {
  const text = req.method === 'POST' ? await readText(req) : '';
  const parsedBody: unknown = text ? JSON.parse(text) : undefined;
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  }
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  const request = new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, {
    method: req.method,
    headers,
    body: text || undefined,
    signal: abort.signal,
  });
  const response = await handler.fetch(request, { parsedBody });
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body) for await (const chunk of response.body) res.write(chunk);
  res.end();
});
