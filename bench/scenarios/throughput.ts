// Throughput: 32 concurrent callers (one session and one keep-alive connection each) call `echo` back to back for
// a fixed time; calls/s per server, measured in interleaved rounds, reported as the median of the per-round figures;
// plus the CPU the serving processes (and, for the fleet, Redis alone) spend per call.
import { targetsWithFloor, processesOf, rotate, type Ctx, type ScenarioResult } from '../context.ts';
import { cpuMeter } from '../procs.ts';
import { initializedClients, type McpClient, median, pool, summarize, type Target } from '../load.ts';
import { describeShares, redisTimeByScript, scriptNames } from '../redis-scripts.ts';
import { row, type Row } from '../report.ts';
import type { Pool } from 'undici';

const CALLERS = 32;

export async function throughput(ctx: Ctx): Promise<ScenarioResult> {
  const roundMs = ctx.quick ? 800 : 1500;
  const rounds = ctx.quick ? 3 : 8;
  const targets = targetsWithFloor(ctx);
  const pools = new Map<string, Pool>();
  const callers = new Map<string, McpClient[]>();
  const totals = new Map<string, Totals>(
    targets.map((t) => [t.key, { calls: 0, ms: 0, errors: 0, latencies: [], cpuMs: {}, rounds: [] }]),
  );
  const sampleCalls = ctx.quick ? 200 : 500;
  let redisTime: Record<'fleet' | 'floor', Awaited<ReturnType<typeof redisTimeByScript>>> | undefined;
  try {
    for (const t of targets) {
      const p = pool(t.origin, CALLERS);
      pools.set(t.key, p);
      callers.set(t.key, await initializedClients(t, p, CALLERS));
    }
    for (let r = 0; r < rounds; r++) {
      for (const t of rotate(targets, r))
        await runRound(ctx, t, callers.get(t.key)!, roundMs, totals.get(t.key)!, `round ${r + 1}/${rounds}`);
    }
    // Where Redis's time goes per call, script by script, for the fleet and the floor (same Redis, same callers).
    ctx.progress.set('throughput (32 callers)', 'Redis time by script (SLOWLOG)');
    const names = scriptNames(ctx.servers.fleetRoot);
    const sample = (key: string) => redisTimeByScript(ctx.servers.probe, callers.get(key)!, names, sampleCalls);
    redisTime = { fleet: await sample('fleet'), floor: await sample('floor') };
    await Promise.all([...callers.values()].flat().map((c) => c.close().catch(() => {})));
  } finally {
    await Promise.all([...pools.values()].map((p) => p.close()));
  }

  // Medians of the per-round figures.
  const perSec = (k: string) => median(totals.get(k)!.rounds.map((r) => r.callsPerSec));
  // CPU the serving processes (fleet: front + worker + Redis) spend per call: less sensitive to noisy neighbours.
  const cpuPerCall = (k: string) => median(totals.get(k)!.rounds.map((r) => r.serverCpuMsPerCall));
  const redisCpuPerCall = median(totals.get('fleet')!.rounds.map((r) => r.cpuMsPerCall.redis ?? Number.NaN));
  const minRatio: Record<string, number> = { 'v1-stateless': 1.5, 'v2-stateless': 1.2 };
  const rows: Row[] = targets.slice(1).map((t) => {
    const min = minRatio[t.key];
    return row(
      `throughput, ${CALLERS} callers`,
      'calls/s',
      perSec('fleet'),
      perSec(t.key),
      t.label,
      min === undefined
        ? undefined
        : {
            text: `≥ ${min.toFixed(2)}× ${t.label}`,
            met: (_f, ratio) => ratio !== null && ratio >= min,
            floor: { value: perSec('floor'), baseline: perSec(t.key) },
          },
    );
  });
  for (const t of targets.slice(1))
    rows.push(row('server CPU per call (32 callers)', 'ms', cpuPerCall('fleet'), cpuPerCall(t.key), t.label));
  // The floor's Redis share: what BullMQ's job and one append cost Redis per call, with nothing of the fleet's.
  const floorRedisCpu = median(totals.get('floor')!.rounds.map((r) => r.cpuMsPerCall.redis ?? Number.NaN));
  rows.push(
    row('Redis CPU per call (32 callers)', 'ms', redisCpuPerCall, null, undefined, {
      text: '≤ 0.08 ms',
      met: (f) => f <= 0.08,
      floor: { value: floorRedisCpu },
    }),
  );
  rows.push(row('  Redis CPU per call, floor', 'ms', floorRedisCpu, null));
  const raw = Object.fromEntries(
    targets.map((t) => {
      const x = totals.get(t.key)!;
      const cpuCores = Object.fromEntries(Object.entries(x.cpuMs).map(([k, v]) => [k, +(v / x.ms).toFixed(2)]));
      return [
        t.key,
        {
          callsPerSec: perSec(t.key),
          calls: x.calls,
          ms: x.ms,
          errors: x.errors,
          cpuCores,
          cpuMsPerCall: cpuPerCall(t.key),
          latencyUnderLoad: summarize(x.latencies),
          rounds: x.rounds,
        },
      ];
    }),
  );
  ctx.notes.push(
    `Throughput: ${CALLERS} callers, each with its own session and connection, calling \`echo\` back to back; ` +
      `${rounds} interleaved rounds of ${roundMs / 1000} s per server (the order rotated each round); calls/s = the median of the ` +
      'per-round calls ÷ seconds; the targets are on the ratios to SDK v1 stateless (≥ 1.50×) and SDK v2 stateless (≥ 1.20×). ' +
      'Server CPU per call = CPU time (/proc/<pid>/stat) of the serving processes (fleet: front + worker + Redis) during a ' +
      'round ÷ its calls, median of the rounds — a figure the noisy neighbours of a shared machine disturb less. ' +
      "Redis CPU per call = the redis-server process's share of it (user + system CPU during the fleet's 32-caller rounds ÷ " +
      'their calls, median of the rounds; /proc counts in 10 ms ticks, a few hundred ms per round), background work ' +
      '(BullMQ blocking waits, heartbeats) included.',
  );
  const split = (k: string) =>
    Object.keys(totals.get(k)!.cpuMs)
      .filter((p) => p !== 'client')
      .map((p) => `${p} ${median(totals.get(k)!.rounds.map((r) => r.cpuMsPerCall[p] ?? 0)).toFixed(3)}`)
      .join(' + ');
  const details = [
    `- **CPU per call at 32 callers** (ms of CPU time of the serving processes per call, medians of the rounds): mcp-fleet ${split('fleet')} ≈ ` +
      `${cpuPerCall('fleet').toFixed(3)}; ${targets
        .slice(1)
        .map((t) => `${t.label} ${t.key === 'floor' ? `${split('floor')} ≈ ` : ''}${cpuPerCall(t.key).toFixed(3)}`)
        .join('; ')}. ` +
      'On a CPU-bound 2-core machine, throughput follows this figure.',
    `- **Redis's time per call, script by script** (SLOWLOG at a 0 µs threshold over ${sampleCalls} calls from ` +
      `${CALLERS} callers: execution only, and logging every command slows it — the shares tell, not the sums; reading, ` +
      `parsing and answering commands, pub/sub delivery and the background are Redis's CPU per call besides): mcp-fleet ${redisTime.fleet.usPerCall.toFixed(1)} µs — ` +
      `${describeShares(redisTime.fleet.shares)}; floor ${redisTime.floor.usPerCall.toFixed(1)} µs — ` +
      `${describeShares(redisTime.floor.shares)}.` +
      (redisTime.fleet.truncated || redisTime.floor.truncated ? ' (SLOWLOG overflowed: figures too low.)' : ''),
  ];
  return { rows, raw: { callers: CALLERS, roundMs, rounds, ...raw, redisTime }, details };
}

interface RoundFigures {
  callsPerSec: number;
  /** CPU ms per call, by process (front, worker, redis, server, client) */
  cpuMsPerCall: Record<string, number>;
  /** the serving processes' CPU ms per call (the client left out) */
  serverCpuMsPerCall: number;
}

interface Totals {
  calls: number;
  ms: number;
  errors: number;
  latencies: number[];
  cpuMs: Record<string, number>;
  rounds: RoundFigures[];
}

async function runRound(
  ctx: Ctx,
  target: Target,
  clients: McpClient[],
  ms: number,
  acc: Totals,
  label: string,
): Promise<void> {
  const meter = cpuMeter(processesOf(ctx, target));
  const start = performance.now();
  const deadline = start + ms;
  let calls = 0;
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await c.call('echo', { text: 'throughput' });
          acc.latencies.push(performance.now() - t0);
          calls++;
        } catch {
          acc.errors++;
          await new Promise((r) => setTimeout(r, 10)); // a broken server must not turn this loop into a spin
        }
        if (calls % 200 === 0) ctx.progress.set('throughput (32 callers)', `${label} ${target.label} ${calls} calls`);
      }
    }),
  );
  const roundMs = performance.now() - start;
  const cpuMs = Object.fromEntries(Object.entries(meter()).map(([k, cores]) => [k, cores * roundMs]));
  for (const [k, v] of Object.entries(cpuMs)) acc.cpuMs[k] = (acc.cpuMs[k] ?? 0) + v;
  acc.ms += roundMs;
  acc.calls += calls;
  const perCall = (v: number) => v / Math.max(1, calls);
  acc.rounds.push({
    callsPerSec: (calls / roundMs) * 1000,
    cpuMsPerCall: Object.fromEntries(Object.entries(cpuMs).map(([k, v]) => [k, +perCall(v).toFixed(4)])),
    serverCpuMsPerCall: perCall(
      Object.entries(cpuMs)
        .filter(([k]) => k !== 'client')
        .reduce((a, [, v]) => a + v, 0),
    ),
  });
}
