// The floor: the fleet's path with nothing of the fleet on it — fastify → BullMQ job → a worker process → one Redis
// stream append + PUBLISH → SSE — to measure in the same run what the architecture itself costs (its processes,
// round trips and BullMQ's own work) against the SDK in one process. No MCP session, authentication, quotas,
// exactly-once, resume or cancellation: a lower bound for the fleet's call, not a server anyone should run.
// Answers initialize (JSON, no session), notifications (202) and tools/call `echo` (SSE, like the fleet); a GET is
// an SSE stream held open with nothing behind it (the idle-streams figure's floor: what node:http and fastify keep
// per open response).
import { Queue } from 'bullmq';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { FLOOR_ANSWER, FLOOR_QUEUE, floorChannel, floorPrefix } from './floor-common.ts';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const node = randomBytes(4).toString('hex');
const redis = new Redis(url, { maxRetriesPerRequest: null });
const subscriber = new Redis(url);
const queue = new Queue(FLOOR_QUEUE, { connection: redis, prefix: floorPrefix });
/** calls waiting for their answer: job id → the SSE response */
const waiting = new Map<string, ServerResponse>();

await subscriber.subscribe(floorChannel(node));
subscriber.on('message', (_ch: string, message: string) => {
  for (const record of message.split('\n')) {
    const tab = record.indexOf('\t');
    const jobId = record.slice(0, tab);
    const res = waiting.get(jobId);
    if (!res) continue;
    const frame = `event: message\ndata: ${record.slice(tab + 2)}\n\n`;
    if (record[tab + 1] !== FLOOR_ANSWER) res.write(frame);
    else {
      waiting.delete(jobId);
      res.end(frame);
    }
  }
});

const app = Fastify({ logger: false });
app.post('/mcp', async (request, reply) => {
  const msg = request.body as {
    id?: number | string;
    method: string;
    params?: { name?: string; arguments?: unknown; _meta?: { progressToken?: string | number } };
  };
  if (msg.id === undefined) return reply.code(202).send();
  if (msg.method === 'initialize') {
    return {
      jsonrpc: '2.0',
      id: msg.id,
      result: {
        protocolVersion: '2025-11-25',
        capabilities: { tools: {} },
        serverInfo: { name: 'floor', version: '1' },
      },
    };
  }
  const jobId = randomBytes(12).toString('base64url');
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  waiting.set(jobId, res);
  const p = msg.params;
  const data = { id: msg.id, name: p?.name, args: p?.arguments, progressToken: p?._meta?.progressToken, node };
  await queue.add('call', data, { jobId, removeOnComplete: true });
});

app.get('/mcp', (_request, reply) => {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  // A priming event, as the fleet's stream starts with one; then nothing until the client goes.
  res.write(`id: ${randomBytes(12).toString('base64url')}:0\nretry: 1000\ndata: \n\n`);
});

const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
process.stdout.write(`${JSON.stringify({ msg: 'ready', port: Number(new URL(address).port), pid: process.pid })}\n`);
const stop = () => void app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
