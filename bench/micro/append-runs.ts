// A same-stream burst through the append script: 64 progress events of one writer per script call (one run,
// append-events-n.lua), on a redis-server of its own. Prints the client's CPU per event (argument building and
// ioredis encoding), Redis's CPU per event (INFO cpu) and the wall time per event. A/B against another checkout:
//   node --import tsx bench/micro/append-runs.ts [checkout root] [batches]
import { resolve } from 'node:path';
import type { Redis as RedisClient } from 'ioredis';

const root = resolve(process.argv[2] ?? '.');
const batches = Number(process.argv[3] ?? 1500);
const BURST = 64;
const shared = await import(`${root}/shared/src/index.ts`);
const { Redis } = (await import(`${root}/node_modules/ioredis/built/index.js`)) as typeof import('ioredis');
const { startRedis, defineScripts, appendEvents, FleetKeys } = shared;

const server = await startRedis({ localOnly: true });
const redis: RedisClient = new Redis(server.url);
defineScripts(redis);
const keys = new FleetKeys('micro');
const session = { principal: 'anon', sessionId: 'burst' };
const streams = ['s0', 's1', 's2', 's3'];
for (const id of streams) await redis.hset(keys.streamMeta(session, id), 'seq', 0);
let seq = 0;
const burst = (id: string) =>
  Array.from({ length: BURST }, () => {
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
for (let i = 0; i < 100; i++) await appendEvents(redis, burst(streams[i % 4]!)); // warm-up
const redis0 = await redisCpu();
const t0 = performance.now();
const cpu0 = process.cpuUsage();
for (let i = 0; i < batches; i++) await appendEvents(redis, burst(streams[i % 4]!));
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const events = batches * BURST;
const us = (n: number) => Number(n.toFixed(2));
console.log(
  JSON.stringify({
    root,
    events,
    clientCpuUsPerEvent: us((cpu.user + cpu.system) / events),
    redisCpuUsPerEvent: us((((await redisCpu()) - redis0) * 1e6) / events),
    wallUsPerEvent: us((wallMs * 1000) / events),
  }),
);
redis.disconnect();
await server.stop();
