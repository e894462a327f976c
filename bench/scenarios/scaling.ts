// `npm run bench -- --scaling`: the capacity model, measured and checked. Three fleets (a front node and a worker
// over 1, 2 and 3 Redis shards) serve `echo` to callers in this process, one fleet at a time. Measured: the CPU ms
// one call costs each process (front, worker, each redis-server, the load client) and the Redis commands per call on
// each shard; from those the model predicts calls/s for F fronts, W workers and S shards. The check: the same fleets
// pinned to this machine's cores with `taskset` in several layouts, each measured and set beside the model's
// prediction for that layout, made from the costs measured without pinning. Layouts run interleaved in rounds (noisy
// neighbours hit them all alike); medians of the rounds the rest of the machine left alone.
import { availableParallelism } from 'node:os';
import { type CallCosts, type Prediction, errorPct, predictPinned, predictUnpinned } from '../capacity-model.ts';
import { percentile } from '../load.ts';
import { coreBusyMs, cpuMs, pin } from '../procs.ts';
import type { Progress } from '../report.ts';
import { type ScalingFleet, startScalingFleet } from '../scaling-fleet.ts';
import { redisCounters } from './redis-commands.ts';

/** Divisible by every shard count measured (each shard gets as many sessions); 96 served no more calls/s than 48. */
const CALLERS = 48;
/** A round with more CPU than this spent outside the measured fleet's processes is disturbed (in cores). */
const QUIET_OTHER_CORES = 0.2;
const MAX_PASSES = 3;
const SHARD_COUNTS = [1, 2, 3];

/** A way to place one fleet's processes on the cores: `cores[i]` lists what runs on core i; null = not pinned. */
export interface Placement {
  name: string;
  shards: number;
  cores: string[][] | null;
}

/** The layouts the check measures on a 2-core machine (process names: front, worker, client, redis-<shard>). */
export function placements(): Placement[] {
  return [
    { name: '1 shard, not pinned', shards: 1, cores: null },
    { name: '2 shards, not pinned', shards: 2, cores: null },
    { name: '3 shards, not pinned', shards: 3, cores: null },
    { name: '1 shard, all on core 0', shards: 1, cores: [['front', 'worker', 'redis-0', 'client'], []] },
    {
      name: '1 shard | redis+client, front+worker',
      shards: 1,
      cores: [
        ['redis-0', 'client'],
        ['front', 'worker'],
      ],
    },
    {
      name: '2 shards | redis×2+client, front+worker',
      shards: 2,
      cores: [
        ['redis-0', 'redis-1', 'client'],
        ['front', 'worker'],
      ],
    },
    {
      name: '2 shards | redis-0+front, redis-1+worker+client',
      shards: 2,
      cores: [
        ['redis-0', 'front'],
        ['redis-1', 'worker', 'client'],
      ],
    },
  ];
}

interface Sample {
  callsPerSec: number;
  errors: number;
  /** CPU ms per call of each process */
  msPerCall: Record<string, number>;
  /** Redis commands per call on each shard (INFO commandstats; commands inside scripts count) */
  commandsPerCall: number[];
  /** busy share of each core over the sample */
  coreUse: number[];
  /** CPU (in cores) the machine spent on anything but this fleet's processes: other fleets idling, other users */
  otherCores: number;
}

function processes(f: ScalingFleet): Record<string, number> {
  return {
    front: f.front.pid,
    worker: f.worker.pid,
    client: process.pid,
    ...Object.fromEntries(f.redisPids.map((pid, i) => [`redis-${i}`, pid])),
  };
}

/** Pins each process of the placement (unlisted ones, and every process when not pinned, get all cores). */
function place(f: ScalingFleet, p: Placement, cores: number): void {
  const all = Array.from({ length: cores }, (_, i) => i);
  for (const [name, pid] of Object.entries(processes(f))) {
    const core = p.cores?.findIndex((c) => c.includes(name)) ?? -1;
    pin(pid, core >= 0 ? [core] : all);
  }
}

async function sample(f: ScalingFleet, ms: number, onCall: (n: number) => void): Promise<Sample> {
  const pids = processes(f);
  const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMs(pid)]));
  const cmd0 = await Promise.all(f.probes.map(async (p) => (await redisCounters(p)).commands));
  const core0 = coreBusyMs();
  const t0 = performance.now();
  const deadline = t0 + ms;
  let calls = 0;
  let errors = 0;
  await Promise.all(
    f.callers.map(async (c) => {
      while (performance.now() < deadline) {
        try {
          await c.call('echo', { text: 'capacity' });
          onCall(++calls);
        } catch {
          errors++;
          await new Promise((r) => setTimeout(r, 10)); // a broken fleet must not turn this loop into a spin
        }
      }
    }),
  );
  const elapsed = performance.now() - t0;
  const core1 = coreBusyMs();
  const cmd1 = await Promise.all(f.probes.map(async (p) => (await redisCounters(p)).commands));
  const used = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMs(pid) - cpu0[k]!]));
  const sum = (xs: Iterable<number>) => [...xs].reduce((a, b) => a + b, 0);
  const busy = core1.map((b, i) => b - (core0[i] ?? 0));
  return {
    callsPerSec: (calls / elapsed) * 1000,
    errors,
    msPerCall: Object.fromEntries(Object.entries(used).map(([k, v]) => [k, v / Math.max(1, calls)])),
    commandsPerCall: cmd1.map((after, i) => (sum(after.values()) - sum(cmd0[i]!.values())) / Math.max(1, calls)),
    coreUse: busy.map((b) => b / elapsed),
    otherCores: (sum(busy) - sum(Object.values(used))) / elapsed,
  };
}

/** Medians over the rounds, per figure. */
function medianSample(xs: Sample[]): Sample {
  const m = (f: (s: Sample) => number) => percentile(xs.map(f), 50);
  const first = xs[0]!;
  return {
    callsPerSec: m((s) => s.callsPerSec),
    errors: xs.reduce((a, s) => a + s.errors, 0),
    msPerCall: Object.fromEntries(Object.keys(first.msPerCall).map((k) => [k, m((s) => s.msPerCall[k]!)])),
    commandsPerCall: first.commandsPerCall.map((_, i) => m((s) => s.commandsPerCall[i]!)),
    coreUse: first.coreUse.map((_, i) => m((s) => s.coreUse[i]!)),
    otherCores: m((s) => s.otherCores),
  };
}

export interface CheckPoint {
  placement: Placement;
  measured: Sample;
  /** from the costs measured without pinning (the model's inputs) */
  predicted: Prediction & { coreMs?: number[] };
  errorPct: number;
  /** the rounds the medians are taken over (when none was quiet: over the disturbed ones) */
  quiet: Sample[];
  /** rounds left out: the rest of the machine used more than QUIET_OTHER_CORES */
  disturbed: Sample[];
}

export interface ScalingResult {
  callers: number;
  quietOtherCores: number;
  /** the most rounds measured per layout (quiet or not) */
  maxTries: number;
  rounds: number;
  roundMs: number;
  cores: number;
  /** the model's inputs per shard count: median CPU ms per call of each kind (client excluded) */
  costs: Record<number, CallCosts & { perShardMs: number[]; commandsPerCallPerShard: number[]; client: number }>;
  checks: CheckPoint[];
}

export async function measureScaling(cli: string, progress: Progress, quick: boolean): Promise<ScalingResult> {
  const rounds = quick ? 2 : 4;
  const roundMs = quick ? 1000 : 2000;
  const cores = availableParallelism();
  const layouts = placements().filter((p) => !p.cores || p.cores.length <= cores);
  const fleets = new Map<number, ScalingFleet>();
  try {
    for (const s of SHARD_COUNTS) {
      progress.set('starting', `a front node and a worker over ${s} Redis shard(s)`);
      fleets.set(s, await startScalingFleet(cli, s, CALLERS));
    }
    for (const [s, f] of fleets) {
      place(f, { name: 'warm-up', shards: s, cores: null }, cores);
      await sample(f, quick ? 1000 : 3000, (n) => progress.set(`warm-up, ${s} shard(s)`, `${n} calls`));
    }
    // A round counts when the rest of the machine (other users, the idle fleets) stayed under QUIET_OTHER_CORES;
    // a disturbed round is kept aside and the layout measured again in a later pass, up to MAX_PASSES × rounds.
    const samples = new Map<Placement, Samples>(layouts.map((p) => [p, { quiet: [], disturbed: [] }]));
    for (let pass = 0; pass < rounds * MAX_PASSES; pass++) {
      const todo = layouts.filter((p) => samples.get(p)!.quiet.length < rounds);
      if (!todo.length) break;
      const k = pass % todo.length;
      for (const p of [...todo.slice(k), ...todo.slice(0, k)]) {
        const f = fleets.get(p.shards)!;
        const got = samples.get(p)!;
        place(f, p, cores);
        const s = await sample(f, roundMs, (n) =>
          progress.set(`pass ${pass + 1}`, `${p.name} (${got.quiet.length}/${rounds} quiet rounds): ${n} calls`),
        );
        (s.otherCores <= QUIET_OTHER_CORES ? got.quiet : got.disturbed).push(s);
        place(f, { ...p, cores: null }, cores);
      }
    }
    return summarize(samples, { rounds, roundMs, cores });
  } finally {
    progress.set('stopping', 'fleets');
    pin(
      process.pid,
      Array.from({ length: cores }, (_, i) => i),
    );
    await Promise.all([...fleets.values()].map((f) => f.stop().catch(() => {})));
  }
}

interface Samples {
  quiet: Sample[];
  disturbed: Sample[];
}

/** The medians of the quiet rounds; of every round when none was quiet (the check then says so). */
function summarize(
  samples: Map<Placement, Samples>,
  run: { rounds: number; roundMs: number; cores: number },
): ScalingResult {
  const measured = new Map([...samples].map(([p, x]) => [p, medianSample(x.quiet.length ? x.quiet : x.disturbed)]));
  const costs: ScalingResult['costs'] = {};
  const inputs = new Map<number, Record<string, number>>();
  for (const [p, s] of measured) {
    if (p.cores) continue;
    const perShardMs = Array.from({ length: p.shards }, (_, i) => s.msPerCall[`redis-${i}`]!);
    inputs.set(p.shards, s.msPerCall);
    costs[p.shards] = {
      front: s.msPerCall.front!,
      worker: s.msPerCall.worker!,
      redis: perShardMs.reduce((a, b) => a + b, 0),
      client: s.msPerCall.client!,
      perShardMs,
      commandsPerCallPerShard: s.commandsPerCall,
    };
  }
  const checks: CheckPoint[] = [...measured].map(([p, s]) => {
    const ms = inputs.get(p.shards)!;
    const predicted = p.cores ? predictPinned(ms, p.cores) : predictUnpinned(ms, run.cores);
    const errPct = errorPct(predicted.callsPerSec, s.callsPerSec);
    const { quiet, disturbed } = samples.get(p)!;
    return { placement: p, measured: s, predicted, errorPct: errPct, quiet, disturbed };
  });
  return {
    callers: CALLERS,
    quietOtherCores: QUIET_OTHER_CORES,
    maxTries: run.rounds * MAX_PASSES,
    ...run,
    costs,
    checks,
  };
}
