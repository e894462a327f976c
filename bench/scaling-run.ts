// The --scaling mode of `npm run bench`: measures the capacity model (bench/scenarios/scaling.ts), prints the cost,
// capacity and check tables, and writes bench/results/scaling-<time>.json with a markdown copy of the tables beside it.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { benchDir } from './procs.ts';
import { Progress, machine, markdownGrid, textGrid, versions, writeJson } from './report.ts';
import { costsForShards, predictFleet } from './capacity-model.ts';
import { type ScalingResult, measureScaling } from './scenarios/scaling.ts';
import { buildFleet } from './servers.ts';
import { spawnSync } from 'node:child_process';

export async function runScaling(opts: { quick: boolean; fleetRoot: string }): Promise<number> {
  const startedAt = new Date().toISOString();
  const loadStart = loadavg().map((l) => +l.toFixed(2));
  if (spawnSync('taskset', ['-V']).status !== 0) {
    process.stderr.write('bench --scaling: needs taskset (util-linux) to pin processes to cores\n');
    return 2;
  }
  const progress = new Progress();
  progress.set('building', opts.fleetRoot);
  const result = await measureScaling(buildFleet(opts.fleetRoot), progress, opts.quick);
  progress.done();
  const m: Record<string, unknown> = { ...machine(), loadavgAtStart: loadStart };
  const redisVersion = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout;
  const tables = [
    ['CPU per call (ms) and Redis commands per call, measured (not pinned, medians)', costTable(result)],
    ['Capacity model: predicted calls/s, one core per process (bottleneck in brackets)', capacityTable(result)],
    ['Check on this machine: pinned layouts (taskset), predicted vs measured', checkTable(result)],
  ] as const;
  const about =
    `${result.callers} callers (sessions spread evenly over the shards) calling echo; ${result.rounds} interleaved rounds of ` +
    `${result.roundMs / 1000} s per layout, medians of the quiet rounds (the rest of the machine under ${result.quietOtherCores} cores; ` +
    `disturbed rounds repeated, at most ${result.maxTries} tries). Machine: ${m.nproc} cores (${m.cpu}); load average ${loadStart.join(' / ')} ` +
    `at the start, ${(m.loadavg as number[]).join(' / ')} at the end.`;
  const file = writeJson(join(benchDir, 'results'), {
    startedAt: `scaling-${startedAt}`,
    mode: opts.quick ? 'quick' : 'full',
    durationMs: progress.elapsedMs,
    machine: m,
    versions: versions(opts.fleetRoot, `redis_version:${/v=(\S+)/.exec(redisVersion)?.[1] ?? '?'}`),
    rows: [],
    notes: [about],
    details: [],
    raw: { scaling: result },
  });
  writeFileSync(
    file.replace(/\.json$/, '.md'),
    `${tables.map(([title, t]) => `**${title}**\n\n${markdownGrid(t.header, t.body)}`).join('\n\n')}\n\n${about}\n`,
  );
  for (const [title, t] of tables) process.stdout.write(`\n${title}\n${textGrid(t.header, t.body)}\n`);
  process.stdout.write(`\n${about}\n${(progress.elapsedMs / 1000).toFixed(1)} s; results: ${file}\n`);
  return 0;
}

/** The capacity table: predicted calls/s for F = W front nodes and workers (rows) over S shards (columns). */
export function capacityTable(r: ScalingResult, sizes = [1, 2, 4, 8, 16], shards = [1, 2, 3, 6]) {
  const measured = new Map(Object.entries(r.costs).map(([s, c]) => [Number(s), c]));
  const most = Math.max(...measured.keys());
  const header = [
    'fronts F × workers W',
    ...shards.map((s) => (s > most ? `S = ${s} (costs of S = ${most})` : `S = ${s}`)),
  ];
  const body = sizes.map((n) => [
    `${n} × ${n}`,
    ...shards.map((s) => {
      const p = predictFleet(costsForShards(measured, s), n, n, s);
      return `${Math.round(p.callsPerSec).toLocaleString('en-US')} (${p.bottleneck})`;
    }),
  ]);
  return { header, body };
}

export function costTable(r: ScalingResult) {
  const f = (x: number) => x.toFixed(3);
  const header = ['shards', 'front ms', 'worker ms', 'redis ms (per shard)', 'commands/call (per shard)', 'client ms'];
  const body = Object.entries(r.costs).map(([s, c]) => [
    s === '1' ? '1 (standalone)' : `${s} (cluster)`,
    f(c.front),
    f(c.worker),
    `${f(c.redis)} (${c.perShardMs.map(f).join(' / ')})`,
    `${c.commandsPerCallPerShard.reduce((a, b) => a + b, 0).toFixed(1)} (${c.commandsPerCallPerShard.map((x) => x.toFixed(1)).join(' / ')})`,
    f(c.client),
  ]);
  return { header, body };
}

export function checkTable(r: ScalingResult) {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const header = [
    'layout',
    'predicted calls/s (bottleneck)',
    'measured',
    'error',
    'core use',
    'other load',
    'quiet rounds',
  ];
  const body = r.checks.map((c) => [
    c.placement.name,
    `${n(c.predicted.callsPerSec)} (${c.predicted.bottleneck})`,
    n(c.measured.callsPerSec),
    `${c.errorPct >= 0 ? '+' : ''}${c.errorPct.toFixed(0)} %`,
    c.measured.coreUse.map((u) => `${Math.round(u * 100)}%`).join(' / '),
    `${c.measured.otherCores.toFixed(2)} cores`,
    c.quiet.length
      ? `${c.quiet.length} of ${c.quiet.length + c.disturbed.length}`
      : `0 of ${c.disturbed.length} (disturbed)`,
  ]);
  return { header, body };
}
