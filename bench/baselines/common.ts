// What every baseline server shares: the same tools as the fleet's example pack (echo, count), a JSON body reader,
// and a node:http listener that announces `{"msg":"ready","port":N}` on stdout for the harness.
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { z } from 'zod';

export const ECHO_DESCRIPTION = 'Returns the text it is given.';
export const COUNT_DESCRIPTION = 'Counts from 1 to `to`, reporting progress every `intervalMs`.';

/** The count tool's arguments (a zod shape: SDK v1 takes it as is, SDK v2 wrapped in z.object). */
export const COUNT_SHAPE = {
  to: z.number().int().min(1).max(100000),
  intervalMs: z.number().int().min(0).max(60000).optional(),
};

/** A notifications/progress message for `count`'s i-th step. */
export function progressNotification(progressToken: string | number, progress: number, total: number) {
  return {
    method: 'notifications/progress' as const,
    params: { progressToken, progress, total, message: `${progress}/${total}` },
  };
}

/**
 * The count tool's loop, as in services/worker/src/packs/examples.ts: sleep, then report progress. For 0 ms it waits
 * one timer tick (at least 1 ms), where the fleet's waits one event-loop turn: that caps a call at 1,000 steps/s,
 * 100,000 events/s for the fan-out figure's 100 calls, far above what the SDK reaches. (Paced by one turn, the SDK v1
 * stateful server never answered the resume figure's GET: "no replayed event within 10 s", twice; not looked into.)
 */
export async function countLoop(
  to: number,
  intervalMs: number,
  progress: (i: number, to: number) => Promise<void>,
): Promise<string> {
  for (let i = 1; i <= to; i++) {
    await new Promise((r) => setTimeout(r, intervalMs));
    await progress(i, to);
  }
  return `counted to ${to}`;
}

/** Reads and parses a JSON body (what express.json() would hand the SDK's transport). */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readText(req);
  return text ? JSON.parse(text) : undefined;
}

export async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function sendJsonError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

/** Listens on 127.0.0.1:$PORT, reports readiness, and exits on SIGTERM/SIGINT. */
export function serve(handler: RequestListener): void {
  const port = Number(process.env.PORT ?? 0);
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((err: unknown) => sendJsonError(res, 500, String(err)));
  });
  server.keepAliveTimeout = 60_000;
  server.listen(port, '127.0.0.1', () => {
    const addr = server.address();
    const actual = typeof addr === 'object' && addr ? addr.port : port;
    process.stdout.write(`${JSON.stringify({ msg: 'ready', port: actual, pid: process.pid })}\n`);
  });
  const stop = () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
