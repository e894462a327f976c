// Redis commands per tool call: INFO commandstats before and after a batch of echo calls (commands run inside Lua
// scripts count, as Redis counts them), minus the idle background rate. Round trips per tool call: INFO stats
// total_reads_processed (one per batch of commands Redis reads off a connection: a MULTI…EXEC block or a pipeline
// sent in one write is one) around a batch of sequential calls, minus the background. Plus a short MONITOR sample
// that splits the commands by connection (front, worker), MULTI…EXEC blocks and commands run inside scripts.
import type { Redis } from 'ioredis';
import type { Ctx, ScenarioResult } from '../context.ts';
import { initializedClients, McpClient, pool, runPool } from '../load.ts';
import { sleep } from '../procs.ts';
import { row } from '../report.ts';
import { monitorRedis } from '../redis-monitor.ts';
import { scriptNames } from '../redis-scripts.ts';

/** Our own probing commands, left out of the counts. */
const PROBE_COMMANDS = new Set(['info', 'client|list', 'monitor', 'ping']);

/** Commands by name (our probing commands left out) and read events so far, from one INFO (one read of its own). */
export async function redisCounters(redis: Redis): Promise<{ commands: Map<string, number>; reads: number }> {
  const text = (await redis.info('commandstats', 'stats')) as string;
  const commands = new Map<string, number>();
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (!PROBE_COMMANDS.has(m[1]!)) commands.set(m[1]!, Number(m[2]));
  }
  return { commands, reads: Number(/^total_reads_processed:(\d+)/m.exec(text)?.[1] ?? Number.NaN) };
}

/** Read events between two redisCounters() readings, less the later reading's own INFO. */
const readsBetween = (a: { reads: number }, b: { reads: number }) => b.reads - a.reads - 1;

function diff(a: Map<string, number>, b: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of b) if (v - (a.get(k) ?? 0) > 0) out.set(k, v - (a.get(k) ?? 0));
  return out;
}

const total = (m: Map<string, number>) => [...m.values()].reduce((x, y) => x + y, 0);

/** "front:cmd multi…exec×2 evalsha×1; worker:… …" */
const byConnection = (m: Record<string, Record<string, number>>) =>
  Object.entries(m)
    .map(
      ([who, cmds]) =>
        `${who} ${Object.entries(cmds)
          .map(([c, n]) => `${c}×${n}`)
          .join(' ')}`,
    )
    .join('; ');

export async function clientNames(redis: Redis): Promise<Map<string, string>> {
  const text = (await redis.client('LIST')) as string;
  const byAddr = new Map<string, string>();
  for (const line of text.split('\n')) {
    const addr = /(?:^| )addr=(\S+)/.exec(line)?.[1];
    const name = /(?:^| )name=(\S*)/.exec(line)?.[1];
    if (addr) byAddr.set(addr, name ?? '');
  }
  return byAddr;
}

/** Connections a front node holds (client names front:<NODE_ID>:…); also tracks the peak in ctx. */
export async function frontRedisConnections(ctx: Ctx, nodeId = ctx.servers.frontNodeId): Promise<number> {
  const names = [...(await clientNames(ctx.servers.probe)).values()];
  const n = names.filter((x) => x.startsWith(`front:${nodeId}:`)).length;
  ctx.frontRedisPeak = Math.max(ctx.frontRedisPeak, n);
  return n;
}

export async function redisCommands(ctx: Ctx): Promise<ScenarioResult> {
  const calls = ctx.quick ? 300 : 2000;
  const lanes = 4;
  const { probe } = ctx.servers;
  const target = ctx.servers.fleet;
  const p = pool(target.origin, lanes);
  try {
    const clients = await initializedClients(target, p, lanes);
    // Background: what the fleet sends with nothing to do (BullMQ's blocking waits, stalled checks, heartbeats).
    ctx.progress.set('Redis commands per call', 'idle background');
    const idle0 = await redisCounters(probe);
    const idleMs = 1000;
    await sleep(idleMs);
    const idle1 = await redisCounters(probe);
    const background = diff(idle0.commands, idle1.commands);
    const backgroundReadsPerMs = readsBetween(idle0, idle1) / idleMs;

    const before = await redisCounters(probe);
    const t0 = performance.now();
    await runPool(calls, lanes, async (i) => {
      await clients[i % lanes]!.call('echo', { text: 'count my commands' });
      if (i % 50 === 0) ctx.progress.set('Redis commands per call', `${i}/${calls} calls`);
    });
    const ms = performance.now() - t0;
    const delta = diff(before.commands, (await redisCounters(probe)).commands);
    const backgroundShare = (total(background) * ms) / idleMs;
    const perCall = (total(delta) - backgroundShare) / calls;

    // Round trips: sequential calls, so one call's commands do not share a read with another call's.
    const seqCalls = ctx.quick ? 200 : 1000;
    const seq0 = await redisCounters(probe);
    const t1 = performance.now();
    for (let i = 0; i < seqCalls; i++) {
      await clients[0]!.call('echo', { text: 'count my round trips' });
      if (i % 50 === 0) ctx.progress.set('Redis round trips per call', `${i}/${seqCalls} sequential calls`);
    }
    const seqMs = performance.now() - t1;
    const seq1 = await redisCounters(probe);
    const roundTripsPerCall = (readsBetween(seq0, seq1) - backgroundReadsPerMs * seqMs) / seqCalls;
    const seqCommandsPerCall =
      (total(diff(seq0.commands, seq1.commands)) - (total(background) * seqMs) / idleMs) / seqCalls;
    await frontRedisConnections(ctx);

    // The floor (bench/baselines/floor-front.ts), the same way: BullMQ's job and one append, nothing of the fleet's.
    const floor = await floorRedisWork(ctx, seqCalls, total(background) / idleMs, backgroundReadsPerMs);

    ctx.progress.set('Redis commands per call', 'MONITOR sample');
    const sample = await monitorSample(probe, clients[0]!, 20, ctx.servers.fleetRoot);
    await Promise.all(clients.map((c) => c.close()));

    ctx.notes.push(
      `Redis commands: INFO commandstats around ${calls} echo calls (${lanes} concurrent callers), minus the idle background ` +
        `rate (${(total(background) / (idleMs / 1000)).toFixed(1)} commands/s); commands run inside Lua scripts and MULTI/EXEC ` +
        'themselves count, as Redis counts them (target ≤ 25). ' +
        `Redis round trips: INFO stats total_reads_processed around ${seqCalls} sequential echo calls, minus the idle background ` +
        `rate (${(backgroundReadsPerMs * 1000).toFixed(1)} reads/s) and the probe's own INFO — Redis counts one read per batch of ` +
        'commands it takes off a connection, so a MULTI…EXEC block or a pipeline that ioredis sends in one write is one round ' +
        'trip, and each separately sent command is one (target ≤ 6). ' +
        'A 20-call MONITOR sample splits the commands by connection: its "top-level" figure counts a MULTI…EXEC block once and ' +
        'every other command sent by a client once (so a pipeline counts once per command: an upper bound on round trips), ' +
        'leaving out commands run inside scripts, which are listed per script (JSON results).',
    );
    const scriptLines = Object.entries(sample.scriptsPerCall)
      .sort((a, b) => b[1].calls + b[1].commandsInside - a[1].calls - a[1].commandsInside)
      .map(([name, v]) => `${name} ×${v.calls} (${v.commandsInside} commands inside)`);
    const bull =
      Object.entries(sample.scriptsPerCall)
        .filter(([k]) => k.startsWith('BullMQ'))
        .reduce((a, [, v]) => a + v.calls + v.commandsInside, 0) +
      (sample.topLevelByConnection['worker:bullmq-blocking']?.bzpopmin ?? 0);
    const details = [
      `- **Redis work per tool call** (MONITOR, 20 sequential echo calls): ${sample.topLevelPerCall.toFixed(1)} top-level ` +
        `commands (a MULTI…EXEC block counted once; ${roundTripsPerCall.toFixed(1)} round trips by Redis's read count), ` +
        `${sample.commandsPerCall.toFixed(1)} commands in all, of which BullMQ ${bull.toFixed(1)}. Scripts per call: ${scriptLines.join('; ')}. ` +
        `Top-level commands per connection: ${byConnection(sample.topLevelByConnection)}.` +
        (Object.keys(sample.inMultiPerCall).length
          ? ` Inside MULTI…EXEC blocks: ${byConnection(sample.inMultiPerCall)}.`
          : ''),
      `- **Where a sequential call's time goes** (the same MONITOR sample: median ms after the client sent the request at ` +
        `which Redis ran each top-level command; MONITOR itself slows Redis a little): ` +
        `${sample.timeline.map((s) => `${s.step} ${s.ms.toFixed(2)}`).join(' → ')}.`,
    ];
    const breakdown = Object.fromEntries(
      [...delta].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, +(v / calls).toFixed(2)]),
    );
    return {
      rows: [
        row('Redis commands per tool call', '', perCall, null, undefined, {
          text: '≤ 25',
          met: (f) => f <= 25,
          floor: { value: floor.commandsPerCall },
        }),
        row('Redis round trips per tool call', '', roundTripsPerCall, null, undefined, {
          text: '≤ 6',
          met: (f) => f <= 6,
          floor: { value: floor.roundTripsPerCall },
        }),
        row('  top-level commands (MONITOR; MULTI…EXEC = 1)', '', sample.topLevelPerCall, null),
        row('  Redis commands per call, floor', '', floor.commandsPerCall, null),
        row('  Redis round trips per call, floor', '', floor.roundTripsPerCall, null),
      ],
      details,
      raw: {
        calls,
        perCall,
        sequential: { calls: seqCalls, ms: seqMs, roundTripsPerCall, commandsPerCall: seqCommandsPerCall },
        backgroundReadsPerSec: backgroundReadsPerMs * 1000,
        floor,
        perCallByCommand: breakdown,
        backgroundPerSec: total(background) / (idleMs / 1000),
        monitor: sample,
      },
    };
  } finally {
    await p.close();
  }
}

/** Commands and round trips per sequential call of the floor, less the fleet's idle background (same Redis). */
async function floorRedisWork(ctx: Ctx, calls: number, backgroundPerMs: number, backgroundReadsPerMs: number) {
  const target = ctx.servers.floor.target;
  const p = pool(target.origin, 1);
  try {
    const client = new McpClient(target, p);
    await client.initialize();
    const a = await redisCounters(ctx.servers.probe);
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) {
      await client.call('echo', { text: 'count the floor' });
      if (i % 50 === 0) ctx.progress.set('Redis commands per call', `floor ${i}/${calls} sequential calls`);
    }
    const ms = performance.now() - t0;
    const b = await redisCounters(ctx.servers.probe);
    return {
      calls,
      commandsPerCall: (total(diff(a.commands, b.commands)) - backgroundPerMs * ms) / calls,
      roundTripsPerCall: (readsBetween(a, b) - backgroundReadsPerMs * ms) / calls,
      perCallByCommand: Object.fromEntries(
        [...diff(a.commands, b.commands)].map(([k, v]) => [k, +(v / calls).toFixed(2)]),
      ),
    };
  } finally {
    await p.close();
  }
}

/**
 * Runs `n` calls under MONITOR and counts, per tool call: top-level commands by connection (a MULTI…EXEC block once:
 * Redis logs MULTI, the queued commands and EXEC together when the block runs), the commands inside the blocks,
 * each Lua script's calls with the commands it ran inside (Redis logs a script's commands right after it), and
 * every command in all.
 */
async function monitorSample(probe: Redis, client: McpClient, n: number, root: string) {
  const seen: { source: string; args: string[]; at: number }[] = [];
  const { host = '127.0.0.1', port = 6379 } = probe.options;
  const monitor = await monitorRedis(host, port, (time, args, source) =>
    seen.push({ source, args, at: Number(time) * 1000 }),
  );
  await sleep(100);
  const start = seen.length;
  /** each call's [sent, answered] in wall-clock ms, on the clock MONITOR's timestamps use */
  const spans: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.timeOrigin + performance.now();
    await client.call('echo', { text: 'monitored' });
    spans.push([t0, performance.timeOrigin + performance.now()]);
  }
  await sleep(200);
  const names = await clientNames(probe);
  monitor.close();
  const scripts = scriptNames(root);
  const roundTrips: Record<string, Record<string, number>> = {};
  const inMulti: Record<string, Record<string, number>> = {};
  const byScript: Record<string, { calls: number; commandsInside: number }> = {};
  /** connections whose MULTI…EXEC block is being logged */
  const openBlocks = new Set<string>();
  const add = (m: Record<string, Record<string, number>>, who: string, cmd: string) => {
    m[who] ??= {};
    m[who][cmd] = (m[who][cmd] ?? 0) + 1 / n;
  };
  /** top-level commands with when Redis ran them, named for the critical-path timeline */
  const timed: { label: string; at: number }[] = [];
  let topLevel = 0;
  let commands = 0;
  let script: { calls: number; commandsInside: number } | undefined;
  for (const { source, args, at } of seen.slice(start)) {
    const cmd = String(args[0]).toLowerCase();
    if (source === 'lua') {
      commands++;
      if (script) script.commandsInside += 1 / n;
      continue;
    }
    script = undefined;
    if (PROBE_COMMANDS.has(cmd) || cmd === 'client') continue;
    commands++;
    const who = (names.get(source) || source)
      .replace(/^(front|worker):[^:]+:/, '$1:')
      .replace(/^[\w-]+:bull:.*/, 'worker:bullmq-blocking');
    if (openBlocks.has(source)) {
      if (cmd === 'exec' || cmd === 'discard') openBlocks.delete(source);
      else add(inMulti, who, cmd);
    } else {
      topLevel++;
      if (cmd === 'multi') openBlocks.add(source);
      add(roundTrips, who, cmd === 'multi' ? 'multi…exec' : cmd);
    }
    if (!openBlocks.has(source) || cmd === 'multi') {
      const what =
        cmd === 'evalsha' ? (scripts.get(String(args[1])) ?? 'evalsha') : cmd === 'multi' ? 'multi…exec' : cmd;
      timed.push({ label: `${who} ${what}`, at });
    }
    if (cmd === 'evalsha' || cmd === 'eval') {
      const name = `${scripts.get(String(args[1])) ?? (cmd === 'eval' ? 'eval' : String(args[1]).slice(0, 8))} (${who})`;
      script = byScript[name] ??= { calls: 0, commandsInside: 0 };
      script.calls += 1 / n;
    }
  }
  const round = (x: number) => +x.toFixed(2);
  for (const m of [...Object.values(roundTrips), ...Object.values(inMulti)])
    for (const k of Object.keys(m)) m[k] = round(m[k]!);
  for (const v of Object.values(byScript)) {
    v.calls = round(v.calls);
    v.commandsInside = round(v.commandsInside);
  }
  return {
    calls: n,
    timeline: criticalPath(timed, spans),
    topLevelPerCall: topLevel / n,
    commandsPerCall: commands / n,
    topLevelByConnection: roundTrips,
    inMultiPerCall: inMulti,
    scriptsPerCall: byScript,
  };
}

/**
 * Where a sequential call's time goes: every top-level command Redis ran while a call was open, as its offset from
 * when the client sent the request (the k-th command of a name in a call is one step), the median over the calls
 * for each step seen in most calls, in order; the last step is the client holding the whole answer.
 */
function criticalPath(timed: { label: string; at: number }[], spans: [number, number][]) {
  const offsets = new Map<string, number[]>();
  let j = 0;
  for (const [t0, t1] of spans) {
    const k = new Map<string, number>();
    while (j < timed.length && timed[j]!.at < t0) j++;
    for (let i = j; i < timed.length && timed[i]!.at <= t1; i++) {
      const nth = (k.get(timed[i]!.label) ?? 0) + 1;
      k.set(timed[i]!.label, nth);
      const step = nth > 1 ? `${timed[i]!.label} #${nth}` : timed[i]!.label;
      (offsets.get(step) ?? offsets.set(step, []).get(step)!).push(timed[i]!.at - t0);
    }
  }
  const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const steps = [...offsets]
    .filter(([, xs]) => xs.length >= spans.length / 2)
    .map(([step, xs]) => ({ step, ms: +mid(xs).toFixed(3) }))
    .sort((a, b) => a.ms - b.ms);
  steps.push({ step: 'client has the answer', ms: +mid(spans.map(([a, b]) => b - a)).toFixed(3) });
  return steps;
}
