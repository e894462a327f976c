// Baseline: SDK v1 stateless Streamable HTTP (sessionIdGenerator: undefined, enableJsonResponse: true), a new
// McpServer + transport per request — the SDK README's recipe for multi-process deployments.
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { readJson, sendJsonError, serve } from './common.ts';
import { buildV1Server } from './v1-tools.ts';

serve(async (req, res) => {
  if (req.method !== 'POST') return sendJsonError(res, 405, 'Method not allowed.');
  const body = await readJson(req);
  const server = buildV1Server();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
});
