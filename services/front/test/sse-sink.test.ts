// What an SSE sink keeps per open response (docs/architecture.md, "Memory per idle stream"): one 'close' listener
// whatever the parties, and the head as one flat string once sent — same bytes on the wire, same text kept.
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { SseSink } from '../src/streams/sinks.ts';

/** One GET answered by `handle`; resolves with the client's response once its head arrived. */
async function exchange(handle: (res: ServerResponse) => void) {
  const server = createServer((_req, res) => handle(res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const req = request({ port, host: '127.0.0.1', path: '/', headers: { accept: 'text/event-stream' } });
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
    req.end();
  });
  return {
    res,
    close: async () => {
      req.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

test('the head goes out as before and is kept as one flat string with the same text', async () => {
  let raw!: ServerResponse;
  const ex = await exchange((res) => {
    raw = res;
    new SseSink(res, 1000).write({ type: 'resumePoint', streamId: 's1', seq: 0 });
  });
  try {
    assert.equal(ex.res.headers['content-type'], 'text/event-stream; charset=utf-8');
    assert.equal(ex.res.headers['x-accel-buffering'], 'no');
    const first = await new Promise<string>((r) => ex.res.once('data', (c: Buffer) => r(c.toString())));
    assert.match(first, /^id: .+\nretry: 1000\ndata: \n\n$/);
    const head = (raw as unknown as { _header: string })._header;
    assert.match(head, /^HTTP\/1\.1 200 OK\r\n[\s\S]*content-type: text\/event-stream[\s\S]*\r\n\r\n$/);
    assert.equal(raw.headersSent, true);
  } finally {
    await ex.close();
  }
});

test('one close listener on the response, whatever the parties; each party hears the close once', async () => {
  let raw!: ServerResponse;
  let sink!: SseSink;
  const ex = await exchange((res) => {
    raw = res;
    sink = new SseSink(res, 1000);
    sink.write({ type: 'keepalive' });
  });
  const heard: string[] = [];
  sink.onClose(() => heard.push('view'));
  sink.onClose(() => heard.push('other'));
  assert.equal(raw.listenerCount('close'), 1);
  const closed = new Promise((r) => raw.once('close', r));
  await ex.close();
  await closed;
  assert.deepEqual(heard, ['view', 'other']);
});
