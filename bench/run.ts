// `npm run bench [-- --quick] [-- --profile] [-- --only latency,resume]`; `npm run bench -- --scaling [--quick]` runs
// the capacity model instead (bench/scaling-run.ts).
// Starts a private Redis, an mcp-fleet front node + worker and the SDK baseline servers, runs every scenario
// (each figure beside a baseline measured in the same run), prints the table, writes bench/results/<time>.json and,
// for a full run, bench/RESULTS.md. Exit status is 0 whatever the figures; non-zero only when the harness breaks.
import { loadavg } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { Ctx, ScenarioResult } from './context.ts';
import { benchDir, repoRoot, stopAll } from './procs.ts';
import { Progress, machine, textTable, versions, writeJson, writeMarkdown, type Results, type Row } from './report.ts';
import { runScaling } from './scaling-run.ts';
import { startServers } from './servers.ts';
import { fanout } from './scenarios/fanout.ts';
import { idleStreams } from './scenarios/idle-streams.ts';
import { latency } from './scenarios/latency.ts';
import { frontRedisConnections, redisCommands } from './scenarios/redis-commands.ts';
import { resume } from './scenarios/resume.ts';
import { throughput } from './scenarios/throughput.ts';
import { virtualUsers } from './scenarios/virtual-users.ts';
import { warmup } from './scenarios/warmup.ts';

const SCENARIOS: [string, (ctx: Ctx) => Promise<ScenarioResult>][] = [
  ['latency', latency],
  ['throughput', throughput],
  ['resume', resume],
  ['fanout', fanout],
  ['redis-commands', redisCommands],
  ['virtual-users', virtualUsers],
  ['idle-streams', idleStreams], // last: it leaves thousands of sessions in Redis
];

function parseArgs(argv: string[]) {
  const opt = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    quick: argv.includes('--quick'),
    profile: argv.includes('--profile'),
    scaling: argv.includes('--scaling'),
    only: opt('--only')
      ?.split(',')
      .map((s) => s.trim()),
    /** run another checkout's fleet (bin/mcp-fleet.mjs) with this harness */
    fleetRoot: resolve(opt('--fleet-root') ?? repoRoot),
  };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.scaling) return runScaling(args);
  const unknown = args.only?.filter((n) => !SCENARIOS.some(([name]) => name === n)) ?? [];
  if (unknown.length) {
    process.stderr.write(
      `bench: unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map(([n]) => n).join(', ')}\n`,
    );
    return 2;
  }
  const startedAt = new Date().toISOString();
  const loadStart = loadavg().map((l) => +l.toFixed(2));
  const progress = new Progress();
  const resultsDir = join(benchDir, 'results');
  const profileDir = join(resultsDir, 'profiles', startedAt.replace(/[:.]/g, '-'));
  const notes: string[] = [];
  const rows: Row[] = [];
  const raw: Record<string, unknown> = {};
  const details: string[] = [];
  const failures: string[] = [];

  progress.set('starting', 'Redis, front node, worker, SDK baselines');
  const servers = await startServers({
    fleetRoot: args.fleetRoot,
    fleetNodeFlags: args.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  });
  const ctx: Ctx = { quick: args.quick, servers, progress, notes, frontRedisPeak: 0 };
  const measured = versions(args.fleetRoot, (await servers.probe.info('server')) as string);
  try {
    await warmup(ctx);
    for (const [name, scenario] of SCENARIOS) {
      if (args.only && !args.only.includes(name)) continue;
      try {
        const res = await scenario(ctx);
        rows.push(...res.rows);
        raw[name] = res.raw;
        details.push(...(res.details ?? []));
        await frontRedisConnections(ctx);
      } catch (err) {
        const dead = servers.procs
          .filter((p) => !p.alive && !p.stopped)
          .map((p) => `\n${p.name} exited; its last output:\n${p.tail()}`);
        failures.push(`${name}: ${(err as Error).stack ?? String(err)}${dead.join('')}`);
        raw[name] = { error: String(err) };
      }
    }
  } finally {
    progress.set('stopping', 'servers');
    await servers.probe.quit().catch(() => {});
    await stopAll();
    progress.done();
  }

  if (args.profile) {
    notes.push(
      `CPU profiles (CPU.<date>.<time>.<pid>.0.*.cpuprofile; front node pid ${servers.fleet.pid}, worker pid ${servers.worker.pid}): ` +
        `${profileDir} — summarize with \`node --import tsx bench/profile-summary.ts <file> [top] [skip-seconds]\``,
    );
  }
  if (args.fleetRoot !== repoRoot) notes.push(`Fleet run from ${args.fleetRoot}.`);
  const results: Results = {
    startedAt,
    mode: args.quick ? 'quick' : 'full',
    durationMs: progress.elapsedMs,
    machine: { ...machine(), loadavgAtStart: loadStart },
    versions: measured,
    rows,
    notes,
    details,
    raw,
  };
  const jsonFile = writeJson(resultsDir, results);
  process.stdout.write(`\n${textTable(rows)}\n\n`);
  process.stdout.write(
    `${args.quick ? 'quick' : 'full'} run: ${(results.durationMs / 1000).toFixed(1)} s; results: ${jsonFile}\n`,
  );
  if (!args.quick && !args.only) {
    writeMarkdown(join(benchDir, 'RESULTS.md'), results, basename(jsonFile));
    process.stdout.write(`summary: ${join(benchDir, 'RESULTS.md')}\n`);
  }
  for (const f of failures) process.stderr.write(`\nbench: scenario failed — ${f}\n`);
  return failures.length ? 1 : 0;
}

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`\nbench: ${sig}, stopping every process it started…\n`);
    void stopAll(true).finally(() => process.exit(130));
  });
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    process.stderr.write(`\nbench: ${(err as Error).stack ?? String(err)}\n`);
    await stopAll().catch(() => {});
    process.exit(1);
  },
);
