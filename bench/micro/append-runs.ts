// Batches of 64 progress events through the append script (append-events-n.lua), on a redis-server of its own: with
// 1 stream per batch they are one writer's burst (one run); with N streams they alternate between N writers, as
// many calls' progress does (runs of one). Prints the client's CPU per event (argument building and ioredis
// encoding), Redis's CPU per event (INFO cpu) and the wall time per event. A/B against another checkout:
//   node --import tsx bench/micro/append-runs.ts [checkout root] [batches] [streams per batch]
import { resolve } from 'node:path';
import type { Redis as RedisClient } from 'ioredis';

const root = resolve(process.argv[2] ?? '.');
const batches = Number(process.argv[3] ?? 1500);
const perBatch = Number(process.argv[4] ?? 1);
const BURST = 64;
const shared = await import(`${root}/shared/src/index.ts`);
const { Redis } = (await import(`${root}/node_modules/ioredis/built/index.js`)) as typeof import('ioredis');
const { startRedis, defineScripts, appendEvents, FleetKeys } = shared;

const server = await startRedis({ localOnly: true });
const redis: RedisClient = new Redis(server.url);
defineScripts(redis);
const keys = new FleetKeys('micro');
const session = { principal: 'anon', sessionId: 'burst' };
const streams = Array.from({ length: 4 * perBatch }, (_, i) => `s${i}`);
for (const id of streams) await redis.hset(keys.streamMeta(session, id), 'seq', 0);
let seq = 0;
const burst = (batch: number) =>
  Array.from({ length: BURST }, (_, j) => {
    const id = streams[(batch % 4) * perBatch + (j % perBatch)]!;
    seq++;
    return {
      stream: keys.stream(session, id),
      meta: keys.streamMeta(session, id),
      inflight: keys.inflight(session),
      sessionStreams: keys.sessionStreams(session),
      requestField: 'r:1',
      fence: { jobId: 'job1', attempt: 1 },
      kind: 'message',
      writer: `w:${id}`,
      writerSeq: seq,
      data: JSON.stringify({
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: { progressToken: 't', progress: seq },
      }),
      progress: seq,
      maxLen: 100_000,
      ttlMs: 600_000,
    };
  });
const redisCpu = async () => {
  const text = (await redis.info('cpu')) as string;
  return Number(/used_cpu_user:([\d.]+)/.exec(text)?.[1]) + Number(/used_cpu_sys:([\d.]+)/.exec(text)?.[1]);
};
for (let i = 0; i < 100; i++) await appendEvents(redis, burst(i)); // warm-up
const redis0 = await redisCpu();
const t0 = performance.now();
const cpu0 = process.cpuUsage();
for (let i = 0; i < batches; i++) await appendEvents(redis, burst(i));
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const events = batches * BURST;
const us = (n: number) => Number(n.toFixed(2));
console.log(
  JSON.stringify({
    root,
    streamsPerBatch: perBatch,
    events,
    clientCpuUsPerEvent: us((cpu.user + cpu.system) / events),
    redisCpuUsPerEvent: us((((await redisCpu()) - redis0) * 1e6) / events),
    wallUsPerEvent: us((wallMs * 1000) / events),
  }),
);
redis.disconnect();
await server.stop();
