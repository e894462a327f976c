// Redis commands per tool call: INFO commandstats before and after a batch of echo calls (commands run inside Lua
// scripts count, as Redis counts them), minus the idle background rate; plus a short MONITOR sample that splits
// the commands into round trips per client (front, worker) and commands run inside scripts.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Ctx, ScenarioResult } from '../context.ts';
import { McpClient, pool, runPool } from '../load.ts';
import { sleep } from '../procs.ts';
import { row } from '../report.ts';

/** Our own probing commands, left out of the counts. */
const PROBE_COMMANDS = new Set(['info', 'client|list', 'monitor', 'ping']);

export async function commandStats(redis: Redis): Promise<Map<string, number>> {
  const text = (await redis.info('commandstats')) as string;
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (!PROBE_COMMANDS.has(m[1]!)) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

function diff(a: Map<string, number>, b: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of b) if (v - (a.get(k) ?? 0) > 0) out.set(k, v - (a.get(k) ?? 0));
  return out;
}

const total = (m: Map<string, number>) => [...m.values()].reduce((x, y) => x + y, 0);

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
    const clients = await Promise.all(
      Array.from({ length: lanes }, async () => {
        const c = new McpClient(target, p);
        await c.initialize();
        return c;
      }),
    );
    // Background: what the fleet sends with nothing to do (BullMQ's blocking waits, stalled checks, heartbeats).
    ctx.progress.set('Redis commands per call', 'idle background');
    const idle0 = await commandStats(probe);
    const idleMs = 1000;
    await sleep(idleMs);
    const background = diff(idle0, await commandStats(probe));

    const before = await commandStats(probe);
    const t0 = performance.now();
    await runPool(calls, lanes, async (i) => {
      await clients[i % lanes]!.call('echo', { text: 'count my commands' });
      if (i % 50 === 0) ctx.progress.set('Redis commands per call', `${i}/${calls} calls`);
    });
    const ms = performance.now() - t0;
    const delta = diff(before, await commandStats(probe));
    const backgroundShare = (total(background) * ms) / idleMs;
    const perCall = (total(delta) - backgroundShare) / calls;
    await frontRedisConnections(ctx);

    ctx.progress.set('Redis commands per call', 'MONITOR sample');
    const sample = await monitorSample(probe, clients[0]!, 20, ctx.servers.fleetRoot);
    await Promise.all(clients.map((c) => c.close()));

    ctx.notes.push(
      `Redis commands: INFO commandstats around ${calls} echo calls (${lanes} concurrent callers), minus the idle background ` +
        `rate (${(total(background) / (idleMs / 1000)).toFixed(1)} commands/s); commands run inside Lua scripts count, as Redis counts them. ` +
        'A 20-call MONITOR sample splits them into round trips per connection and script-internal commands (JSON results).',
    );
    const scriptLines = Object.entries(sample.scriptsPerCall)
      .sort((a, b) => b[1].calls + b[1].commandsInside - a[1].calls - a[1].commandsInside)
      .map(([name, v]) => `${name} ×${v.calls} (${v.commandsInside} commands inside)`);
    const bull =
      Object.entries(sample.scriptsPerCall)
        .filter(([k]) => k.startsWith('BullMQ'))
        .reduce((a, [, v]) => a + v.calls + v.commandsInside, 0) +
      (sample.roundTripsPerCall['worker:bullmq-blocking']?.bzpopmin ?? 0);
    const all =
      Object.values(sample.roundTripsPerCall).reduce((a, m) => a + Object.values(m).reduce((x, y) => x + y, 0), 0) +
      Object.values(sample.scriptsPerCall).reduce((a, v) => a + v.commandsInside, 0);
    const details = [
      `- **Redis work per tool call** (MONITOR, 20 sequential echo calls): ${sample.topLevelPerCall.toFixed(1)} round trips, ` +
        `${all.toFixed(1)} commands in all, of which BullMQ ${bull.toFixed(1)}. Scripts per call: ${scriptLines.join('; ')}. ` +
        `Round trips per connection: ${Object.entries(sample.roundTripsPerCall)
          .map(
            ([k, m]) =>
              `${k} ${Object.entries(m)
                .map(([c, n]) => `${c}×${n}`)
                .join(' ')}`,
          )
          .join('; ')}.`,
    ];
    const breakdown = Object.fromEntries(
      [...delta].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, +(v / calls).toFixed(2)]),
    );
    return {
      rows: [
        row('Redis commands per tool call', '', perCall, null, undefined, { text: '≤ 12', met: (f) => f <= 12 }),
        row('  of which round trips (MONITOR, top-level)', '', sample.topLevelPerCall, null),
      ],
      details,
      raw: {
        calls,
        perCall,
        perCallByCommand: breakdown,
        backgroundPerSec: total(background) / (idleMs / 1000),
        monitor: sample,
      },
    };
  } finally {
    await p.close();
  }
}

/** sha1 → script name, for our Lua scripts (shared/src/scripts) and BullMQ's (as ioredis loads them: EVALSHA of the content). */
function scriptNames(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const sha = (text: string) => createHash('sha1').update(text).digest('hex');
  const dir = join(root, 'shared', 'src', 'scripts');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.lua')))
    out.set(sha(readFileSync(join(dir, f), 'utf8')), `fleet ${f.replace(/-\d+\.lua$/, '')}`);
  try {
    const bull = createRequire(join(root, 'package.json'))('bullmq/dist/cjs/scripts/index.js') as Record<
      string,
      { name: string; content: string }
    >;
    for (const s of Object.values(bull)) out.set(sha(s.content), `BullMQ ${s.name}`);
  } catch {
    // another BullMQ layout: scripts are then shown by sha
  }
  return out;
}

/**
 * Runs `n` calls under MONITOR and counts, per tool call: top-level commands by connection (each one a round trip),
 * and each Lua script's calls with the commands it ran inside (Redis logs a script's commands right after it).
 */
async function monitorSample(probe: Redis, client: McpClient, n: number, root: string) {
  const monitor = await probe.monitor();
  const seen: { source: string; args: string[] }[] = [];
  monitor.on('monitor', (_time: string, args: string[], source: string) => seen.push({ source, args }));
  await sleep(100);
  const start = seen.length;
  for (let i = 0; i < n; i++) await client.call('echo', { text: 'monitored' });
  await sleep(200);
  const names = await clientNames(probe);
  monitor.disconnect();
  const scripts = scriptNames(root);
  const roundTrips: Record<string, Record<string, number>> = {};
  const byScript: Record<string, { calls: number; commandsInside: number }> = {};
  let topLevel = 0;
  let script: { calls: number; commandsInside: number } | undefined;
  for (const { source, args } of seen.slice(start)) {
    const cmd = String(args[0]).toLowerCase();
    if (source === 'lua') {
      if (script) script.commandsInside += 1 / n;
      continue;
    }
    script = undefined;
    if (PROBE_COMMANDS.has(cmd) || cmd === 'client') continue;
    topLevel++;
    const who = (names.get(source) || source)
      .replace(/^(front|worker):[^:]+:/, '$1:')
      .replace(/^[\w-]+:bull:.*/, 'worker:bullmq-blocking');
    roundTrips[who] ??= {};
    roundTrips[who][cmd] = (roundTrips[who][cmd] ?? 0) + 1 / n;
    if (cmd === 'evalsha' || cmd === 'eval') {
      const name = `${scripts.get(String(args[1])) ?? (cmd === 'eval' ? 'eval' : String(args[1]).slice(0, 8))} (${who})`;
      script = byScript[name] ??= { calls: 0, commandsInside: 0 };
      script.calls += 1 / n;
    }
  }
  const round = (x: number) => +x.toFixed(2);
  for (const m of Object.values(roundTrips)) for (const k of Object.keys(m)) m[k] = round(m[k]!);
  for (const v of Object.values(byScript)) {
    v.calls = round(v.calls);
    v.commandsInside = round(v.commandsInside);
  }
  return { calls: n, topLevelPerCall: topLevel / n, roundTripsPerCall: roundTrips, scriptsPerCall: byScript };
}
