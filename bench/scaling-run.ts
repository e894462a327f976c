// The --scaling mode of `npm run bench`: measures the capacity model (bench/scenarios/scaling.ts), prints the cost,
// capacity and check tables, and writes bench/results/scaling-<time>.json with a markdown copy of the tables beside it.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { benchDir } from './procs.ts';
import { Progress, machine, markdownGrid, textGrid, versions, writeJson } from './report.ts';
import { capacityTable, checkTable, costTable, measureScaling } from './scenarios/scaling.ts';
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
