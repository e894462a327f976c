// The echo and count tools on an official SDK v1 McpServer (@modelcontextprotocol/sdk 1.x).
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { COUNT_DESCRIPTION, COUNT_SHAPE, ECHO_DESCRIPTION, countLoop, progressNotification } from './common.ts';

export function buildV1Server(): McpServer {
  const server = new McpServer({ name: 'bench-sdk-v1', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: ECHO_DESCRIPTION, inputSchema: { text: z.string() } },
    async ({ text }) => ({
      content: [{ type: 'text', text }],
    }),
  );
  server.registerTool(
    'count',
    {
      description: COUNT_DESCRIPTION,
      inputSchema: COUNT_SHAPE,
    },
    async ({ to, intervalMs = 100 }, extra) => {
      const token = extra._meta?.progressToken;
      const text = await countLoop(to, intervalMs, async (i, total) => {
        if (token === undefined) return;
        await extra.sendNotification(progressNotification(token, i, total));
      });
      return { content: [{ type: 'text', text }] };
    },
  );
  return server;
}
