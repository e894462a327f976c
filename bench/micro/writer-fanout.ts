// The worker's side of a progress fan-out, without BullMQ, the tool runner or a front node: `calls` StreamWriters
// (one stream each) each write `to` progress notifications, one per turn of the event loop (as `count` with
// intervalMs 0 does), through the write-behind outbox, the connection's batcher and the append script, against a
// redis-server of its own. Prints this process's CPU per event and events/s. A/B against another checkout:
//   node --import tsx bench/micro/writer-fanout.ts [checkout root] [calls] [to]
import { resolve } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import type { Redis as RedisClient } from 'ioredis';

const root = resolve(process.argv[2] ?? '.');
const calls = Number(process.argv[3] ?? 100);
const to = Number(process.argv[4] ?? 500);
const shared = await import(`${root}/shared/src/index.ts`);
const { StreamWriter } = await import(`${root}/services/worker/src/stream-writer.ts`);
const { Redis } = (await import(`${root}/node_modules/ioredis/built/index.js`)) as typeof import('ioredis');
const { startRedis, defineScripts, FleetKeys } = shared;

const server = await startRedis({ localOnly: true });
const redis: RedisClient = new Redis(server.url);
defineScripts(redis);
const keys = new FleetKeys('micro');

async function round(n: number): Promise<{ events: number; ms: number; cpuUs: number }> {
  const writers = [];
  for (let c = 0; c < calls; c++) {
    const session = { principal: 'anon', sessionId: `s${n}-${c}` };
    const streamId = `call${c}`;
    await redis.hset(keys.streamMeta(session, streamId), 'seq', 0);
    const job = {
      v: 1,
      method: 'tools/call',
      session,
      jobId: streamId,
      requestId: c,
      streamId,
      protocolVersion: '2025-11-25',
      clientCapabilities: {},
      target: 'count',
      params: {},
      progressToken: `t${c}`,
      retention: { maxEvents: 100_000, ttlMs: 600_000, sessionTtlMs: 600_000, serverRequestTimeoutMs: 60_000 },
    };
    writers.push(new StreamWriter(redis, keys, job, { attempt: 1, held: () => true, gone: () => {} }));
  }
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    writers.map(async (w, c) => {
      for (let i = 1; i <= to; i++) {
        await turn();
        await w.notification(
          'notifications/progress',
          { progressToken: `t${c}`, progress: i, total: to, message: `${i}/${to}` },
          i,
        );
      }
      await w.flushed();
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { events: calls * to, ms: performance.now() - t0, cpuUs: cpu.user + cpu.system };
}

await round(0); // warm-up
const rounds = [await round(1), await round(2), await round(3)];
const perEvent = rounds.map((r) => r.cpuUs / r.events).sort((a, b) => a - b)[1]!;
const rate = rounds.map((r) => (r.events * 1000) / r.ms).sort((a, b) => a - b)[1]!;
console.log(
  JSON.stringify({ root, calls, to, cpuUsPerEvent: Number(perEvent.toFixed(2)), eventsPerSec: Math.round(rate) }),
);
redis.disconnect();
await server.stop();
