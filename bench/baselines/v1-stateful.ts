// Baseline: SDK v1 stateful Streamable HTTP (sessions in this process's memory, SSE responses), one McpServer and
// transport per session as the SDK README shows. `--resumable` adds the SDK's example InMemoryEventStore so a GET
// with Last-Event-ID replays (on this same process only).
import { randomUUID } from 'node:crypto';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { InMemoryEventStore } from '@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { readJson, sendJsonError, serve } from './common.ts';
import { buildV1Server } from './v1-tools.ts';

const resumable = process.argv.includes('--resumable');
const transports = new Map<string, StreamableHTTPServerTransport>();

serve(async (req, res) => {
  const sid = req.headers['mcp-session-id'] as string | undefined;
  if (req.method === 'POST') {
    const body = await readJson(req);
    let transport = sid ? transports.get(sid) : undefined;
    if (!transport && !sid && isInitializeRequest(body)) {
      const t = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        eventStore: resumable ? new InMemoryEventStore() : undefined,
        onsessioninitialized: (id) => void transports.set(id, t),
      });
      t.onclose = () => {
        if (t.sessionId) transports.delete(t.sessionId);
      };
      await buildV1Server().connect(t);
      transport = t;
    }
    if (!transport) return sendJsonError(res, sid ? 404 : 400, sid ? 'Session not found' : 'No valid session ID');
    return transport.handleRequest(req, res, body);
  }
  const transport = sid ? transports.get(sid) : undefined;
  if (!transport) return sendJsonError(res, sid ? 404 : 400, 'Invalid or missing session ID');
  return transport.handleRequest(req, res);
});
