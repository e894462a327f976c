// Progress fan-out: 100 calls open at once (one session and connection each), each running
// `count {to: K, intervalMs: 0}` with a progress token, so tools emit progress as fast as they can; events/s counted
// at the client from the first request to the last response, in rounds rotating between the fleet, the baseline (the
// same tool on SDK v1 stateful) and the floor (bench/baselines/floor-worker.ts: an XADD and a PUBLISH per event, no
// guards); events/s and the server CPU per event are medians of the per-round figures.
import { processesOf, rotate, type Ctx, type ScenarioResult } from '../context.ts';
import { initializedClients, median, pool, type Target } from '../load.ts';
import { cpuMeter } from '../procs.ts';
import { row } from '../report.ts';
import { FLOOR_LABEL } from '../servers.ts';

const CALLS = 100;

interface FanOut {
  events: number;
  progress: number;
  expected: number;
  ms: number;
  eventsPerSec: number;
  /** CPU used per process during the run, in cores (1 = one core busy the whole time) */
  cpu: Record<string, number>;
  /** CPU of the serving processes (the client left out) per event received, in µs */
  serverCpuUsPerEvent: number;
}

export async function fanout(ctx: Ctx): Promise<ScenarioResult> {
  const to = ctx.quick ? 100 : 700;
  const rounds = 3;
  const targets = [ctx.servers.fleet, ctx.servers.baselines['v1-stateful'], ctx.servers.floor.target];
  for (const t of targets) await runFanOut(ctx, t, 20, 'warm-up');
  const runs = new Map<string, FanOut[]>(targets.map((t) => [t.key, []]));
  for (let r = 0; r < rounds; r++) {
    for (const t of rotate(targets, r)) runs.get(t.key)!.push(await runFanOut(ctx, t, to, `round ${r + 1}/${rounds}`));
  }
  const rate = (key: string) => median(runs.get(key)!.map((x) => x.eventsPerSec));
  const usPerEvent = (key: string) => median(runs.get(key)!.map((x) => x.serverCpuUsPerEvent));
  ctx.notes.push(
    `Fan-out: ${CALLS} concurrent \`count {to: ${to}, intervalMs: 0}\` calls with a progress token, one session and connection each, ` +
      `${rounds} rounds per server rotating between the fleet, the baseline and the floor; events/s = progress events + responses received ÷ wall time, ` +
      'median of the rounds. Server CPU per event = CPU time (/proc/<pid>/stat) of the serving processes (fleet: front + worker + ' +
      'Redis; the client left out) during a round ÷ the events received in it, median of the rounds. ' +
      'The worker runs with WORKER_CONCURRENCY=128 so all 100 run at once. Baseline: the same count tool on SDK v1 stateful (in-process). ' +
      "Floor: the floor's worker runs count one step per event-loop turn, as the fleet's does, and sends each event as an XADD " +
      "and a PUBLISH carrying it (a turn's commands in one write; no exactly-once guard, fence or backpressure), which the floor front node writes to the SSE response.",
  );
  const cores = (runs: FanOut[]) => {
    const ms = runs.reduce((a, x) => a + x.ms, 0);
    const keys = Object.keys(runs[0]?.cpu ?? {});
    return Object.fromEntries(keys.map((k) => [k, runs.reduce((a, x) => a + (x.cpu[k] ?? 0) * x.ms, 0) / ms]));
  };
  const fleetCores = cores(runs.get('fleet')!);
  const sdkCores = cores(runs.get('v1-stateful')!);
  const floorCores = cores(runs.get('floor')!);
  const fmtCores = (c: Record<string, number>) =>
    Object.entries(c)
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(', ');
  const details = [
    `- **Fan-out CPU** (cores busy during the rounds): mcp-fleet ${fmtCores(fleetCores)} — ` +
      `${usPerEvent('fleet').toFixed(1)} µs of server CPU per event; SDK v1 stateful ${fmtCores(sdkCores)} — ` +
      `${usPerEvent('v1-stateful').toFixed(1)} µs per event; floor ${fmtCores(floorCores)} — ${usPerEvent('floor').toFixed(1)} µs per event. ` +
      "The client's own share is the cost of receiving and parsing the events.",
  ];
  return {
    details,
    rows: [
      row(`progress fan-out, ${CALLS} calls`, 'events/s', rate('fleet'), rate('v1-stateful'), 'SDK v1 stateful', {
        text: '≥ 100,000 events/s',
        met: (f) => f >= 100_000,
        floor: { value: rate('floor') },
      }),
      row(`progress fan-out, ${CALLS} calls`, 'events/s', rate('fleet'), rate('floor'), FLOOR_LABEL),
      row('server CPU per fan-out event', 'µs', usPerEvent('fleet'), usPerEvent('v1-stateful'), 'SDK v1 stateful', {
        text: '≤ 12 µs',
        met: (f) => f <= 12,
        floor: { value: usPerEvent('floor') },
      }),
      row('server CPU per fan-out event', 'µs', usPerEvent('fleet'), usPerEvent('floor'), FLOOR_LABEL),
    ],
    raw: { calls: CALLS, to, rounds, fleet: runs.get('fleet'), sdk: runs.get('v1-stateful'), floor: runs.get('floor') },
  };
}

async function runFanOut(ctx: Ctx, target: Target, to: number, phase: string): Promise<FanOut> {
  const p = pool(target.origin, CALLS);
  try {
    const clients = await initializedClients(target, p, CALLS);
    let events = 0;
    let progress = 0;
    let finished = 0;
    const ticker = setInterval(
      () => ctx.progress.set(`fan-out ${phase}`, `${target.label} ${finished}/${CALLS} calls done`),
      250,
    );
    const meter = cpuMeter(processesOf(ctx, target));
    const t0 = performance.now();
    try {
      await Promise.all(
        clients.map(async (c, i) => {
          const out = await c.call('count', { to, intervalMs: 0 }, `fan-${i}`);
          events += out.events;
          progress += out.progress;
          finished++;
        }),
      );
    } finally {
      clearInterval(ticker);
    }
    const ms = performance.now() - t0;
    const cpu = meter();
    await Promise.all(clients.map((c) => c.close()));
    const serverCores = Object.entries(cpu)
      .filter(([k]) => k !== 'client')
      .reduce((a, [, v]) => a + v, 0);
    return {
      events,
      progress,
      expected: CALLS * to,
      ms,
      eventsPerSec: (events / ms) * 1000,
      cpu,
      serverCpuUsPerEvent: ((serverCores * ms) / Math.max(1, events)) * 1000,
    };
  } finally {
    await p.close();
  }
}
