// A client that stops reading cannot grow a front node's memory (docs/architecture.md, "Fan-in and backpressure"): the node reads a stream only
// as fast as the socket drains. A tool sends 20 MB of notifications to a client that reads nothing; the front's RSS
// must stay far below that, and once the client reads again it gets the events in order, without a gap.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startFleet, type Fleet } from './harness/fleet.ts';
import { openSession, post, rpcRequest, sleep } from './harness/http.ts';

const PACKS = `examples,${fileURLToPath(new URL('./fixtures/side-effect-pack.ts', import.meta.url))}`;
const COUNT = 2000;
const SIZE = 10_000; // 2000 × 10 KB = 20 MB of events
let fleet: Fleet;

before(async () => {
  // Retention large enough that nothing is trimmed while the client is not reading.
  // The worker at debug level logs `call done` when the tool has returned.
  fleet = await startFleet({
    fronts: 1,
    workers: 1,
    env: { TOOL_PACKS: PACKS, STREAM_MAX_EVENTS: '100000' },
    workerEnv: [{ LOG_LEVEL: 'debug' }],
  });
});
after(async () => {
  await fleet?.stop();
});

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) / 1024;
}

test('a client that does not read costs the node no memory; reading again gets every event in order', async () => {
  const front = fleet.front('a');
  const url = new URL(front.url);
  const s = await openSession(front.url);
  // Warm up first (the node's first call creates its BullMQ queue, compiles validators, warms the JIT): the
  // measurement below is then about the stream alone.
  for (let i = 0; i < 3; i++) {
    const warm = await post(
      front.url,
      rpcRequest('tools/call', { name: 'flood', arguments: { count: 50, size: SIZE } }),
      s.headers,
    );
    await warm.text();
  }
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 7,
    method: 'tools/call',
    params: { name: 'flood', arguments: { count: COUNT, size: SIZE } },
  });
  // A raw socket, paused: the request goes out, nothing is read back until we resume.
  const socket = connect(Number(url.port), url.hostname);
  await new Promise((r) => socket.once('connect', r));
  socket.pause();
  socket.write(
    `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n` +
      `Mcp-Session-Id: ${s.sessionId}\r\nMcp-Protocol-Version: 2025-06-18\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  const rssBefore = rssMb(front.pid);
  const memBefore = await (await fetch(new URL('/readyz', front.url))).json();
  // Wait until the worker has appended everything (the tool returns): the whole 20 MB now waits in Redis.
  const isBigFlood = (e: { msg?: unknown; target?: unknown; jobId?: unknown }) =>
    e.msg === 'call done' && e.target === 'flood';
  const warmups = fleet.workers[0]!.proc.findLogs(isBigFlood).map((e) => e.jobId);
  await fleet.workers[0]!.waitForLog((e) => isBigFlood(e) && !warmups.includes(e.jobId), 60_000, 'the flood finished');
  await sleep(1500);
  const grown = rssMb(front.pid) - rssBefore;
  const memAfter = await (await fetch(new URL('/readyz', front.url))).json();
  assert.ok(
    grown < 10,
    `the front grew ${grown.toFixed(1)} MB while 20 MB of events waited for a client that does not read ` +
      `(memory before ${JSON.stringify((memBefore as { memoryMb: unknown }).memoryMb)}, after ${JSON.stringify((memAfter as { memoryMb: unknown }).memoryMb)})`,
  );

  // Read everything now: every notification once, in order, then the result.
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.resume();
  const text = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the stream did not end')), 60_000);
    const check = () => {
      const t = Buffer.concat(chunks).toString('utf8');
      if (t.includes('"result"')) {
        clearTimeout(timer);
        resolve(t);
      } else setTimeout(check, 100);
    };
    check();
  });
  socket.destroy();
  const seen = [...text.matchAll(/"i":(\d+),/g)].map((m) => Number(m[1]));
  assert.equal(seen.length, COUNT);
  assert.ok(
    seen.every((v, k) => v === k + 1),
    'every event once, in order',
  );
  assert.match(text, /"text":"sent 2000"/);
});
