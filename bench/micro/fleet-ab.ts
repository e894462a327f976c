// Two checkouts of the fleet side by side in one run: each gets a front node and a worker (its own key prefix) on one
// redis-server, and the rounds alternate between them — sequential `echo` latency (p50 of 400 calls) and 32 callers
// for 1.2 s (calls/s, and CPU per call of front + worker + Redis from /proc). Medians of the rounds. On a shared
// machine whose speed drifts by tens of per cent between runs of `npm run bench`, this puts a change against its
// base within one minute of the same machine. Each checkout must be built (`npm run build`).
//   node --import tsx bench/micro/fleet-ab.ts <checkout A> <checkout B> [rounds]
import { join, resolve } from 'node:path';
import { freePort } from '@mcp-fleet/shared';
import { initializedClients, McpClient, median, pool, type Target } from '../load.ts';
import { cpuMeter, launchRedis, spawnNode, stopAll, waitHealthy, type Proc } from '../procs.ts';
import { benchFleetEnv, waitFleetServes } from '../servers.ts';

const [rootA, rootB] = process.argv.slice(2, 4).map((r) => resolve(r));
if (!rootA || !rootB) {
  process.stderr.write('usage: fleet-ab.ts <checkout A> <checkout B> [rounds]\n');
  process.exit(2);
}
const rounds = Number(process.argv[4] ?? 12);
const CALLERS = 32;

interface Side {
  root: string;
  target: Target;
  front: Proc;
  worker: Proc;
  sequential: McpClient;
  callers: McpClient[];
  p50: number[];
  callsPerSec: number[];
  cpu: Record<'front' | 'worker' | 'redis', number>[];
}

const redis = await launchRedis();
try {
  const sides: Side[] = [];
  for (const [i, root] of [rootA, rootB].entries()) {
    const cli = join(root, 'dist', 'mcp-fleet.mjs');
    const env = (node: string) => benchFleetEnv(redis.url, `ab${i}`, node);
    const port = await freePort();
    const front = spawnNode(`front-${i}`, [cli, 'front'], { ...env(`ab-front-${i}`), PORT: String(port) });
    const worker = spawnNode(`worker-${i}`, [cli, 'worker'], { ...env(`ab-worker-${i}`), TOOL_PACKS: 'examples' });
    const origin = `http://127.0.0.1:${port}`;
    const target: Target = { key: 'fleet', label: root, origin, sessionful: true, pid: front.pid };
    await waitHealthy(front, target.origin, 30_000);
    await waitFleetServes(target, worker, 60_000);
    const sequential = new McpClient(target, pool(target.origin, 1));
    await sequential.initialize();
    const p = pool(target.origin, CALLERS);
    const callers = await initializedClients(target, p, CALLERS);
    for (let n = 0; n < 500; n++) await sequential.call('echo', { text: 'warm-up' });
    sides.push({ root, target, front, worker, sequential, callers, p50: [], callsPerSec: [], cpu: [] });
  }
  for (let r = 0; r < rounds; r++) {
    for (const s of r % 2 === 0 ? sides : [...sides].reverse()) {
      const ms: number[] = [];
      for (let n = 0; n < 400; n++) {
        const t0 = performance.now();
        await s.sequential.call('echo', { text: 'latency' });
        ms.push(performance.now() - t0);
      }
      s.p50.push(median(ms));
      const meter = cpuMeter({ front: s.front.pid, worker: s.worker.pid, redis: redis.pid });
      const start = performance.now();
      const deadline = start + 1200;
      let calls = 0;
      await Promise.all(
        s.callers.map(async (c) => {
          while (performance.now() < deadline) {
            await c.call('echo', { text: 'throughput' });
            calls++;
          }
        }),
      );
      const elapsed = performance.now() - start;
      const cores = meter();
      s.callsPerSec.push((calls / elapsed) * 1000);
      const perCall = (k: string) => ((cores[k] ?? 0) * elapsed) / calls;
      s.cpu.push({ front: perCall('front'), worker: perCall('worker'), redis: perCall('redis') });
    }
  }
  const figures = sides.map((s) => {
    const part = (k: 'front' | 'worker' | 'redis') => median(s.cpu.map((c) => c[k]));
    const cpu = { front: part('front'), worker: part('worker'), redis: part('redis') };
    return {
      p50: median(s.p50),
      callsPerSec: median(s.callsPerSec),
      cpu,
      cpuTotal: cpu.front + cpu.worker + cpu.redis,
    };
  });
  for (const [i, f] of figures.entries()) {
    process.stdout.write(
      `${'AB'[i]} ${sides[i]!.root}: p50 ${f.p50.toFixed(3)} ms, ${f.callsPerSec.toFixed(0)} calls/s, CPU per call ` +
        `${f.cpuTotal.toFixed(3)} ms (front ${f.cpu.front.toFixed(3)}, worker ${f.cpu.worker.toFixed(3)}, redis ${f.cpu.redis.toFixed(3)})\n`,
    );
  }
  const [a, b] = figures as [(typeof figures)[0], (typeof figures)[0]];
  process.stdout.write(
    `B ÷ A (${rounds} rounds): p50 ${(b.p50 / a.p50).toFixed(3)}, calls/s ${(b.callsPerSec / a.callsPerSec).toFixed(3)}, ` +
      `CPU per call ${(b.cpuTotal / a.cpuTotal).toFixed(3)}\n`,
  );
} finally {
  await stopAll(true);
}
process.exit(0);
