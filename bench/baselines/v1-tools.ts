// The echo and count tools on an official SDK v1 McpServer (@modelcontextprotocol/sdk 1.x).
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { COUNT_DESCRIPTION, ECHO_DESCRIPTION, countLoop } from './common.ts';

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
      inputSchema: {
        to: z.number().int().min(1).max(100000),
        intervalMs: z.number().int().min(0).max(60000).optional(),
      },
    },
    async ({ to, intervalMs = 100 }, extra) => {
      const token = extra._meta?.progressToken;
      const text = await countLoop(to, intervalMs, async (i, total) => {
        if (token === undefined) return;
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken: token, progress: i, total, message: `${i}/${total}` },
        });
      });
      return { content: [{ type: 'text', text }] };
    },
  );
  return server;
}
