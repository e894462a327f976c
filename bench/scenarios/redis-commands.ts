// Redis commands per tool call: INFO commandstats before and after a batch of echo calls (commands run inside Lua
// scripts count, as Redis counts them), minus the idle background rate; plus a short MONITOR sample that splits
// the commands into round trips per client (front, worker) and commands run inside scripts.
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

/** Connections the front node holds (client names front:<NODE_ID>:…); also tracks the peak in ctx. */
export async function frontRedisConnections(ctx: Ctx): Promise<number> {
  const names = [...(await clientNames(ctx.servers.probe)).values()];
  const n = names.filter((x) => x.startsWith(`front:${ctx.servers.frontNodeId}:`)).length;
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
    const clients = await Promise.all(Array.from({ length: lanes }, async () => {
      const c = new McpClient(target, p);
      await c.initialize();
      return c;
    }));
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
    const sample = await monitorSample(probe, clients[0]!, 20);
    await Promise.all(clients.map((c) => c.close()));

    ctx.notes.push(`Redis commands: INFO commandstats around ${calls} echo calls (${lanes} concurrent callers), minus the idle background ` +
      `rate (${(total(background) / (idleMs / 1000)).toFixed(1)} commands/s); commands run inside Lua scripts count, as Redis counts them. ` +
      'A 20-call MONITOR sample splits them into round trips per connection and script-internal commands (JSON results).');
    const breakdown = Object.fromEntries([...delta].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, +(v / calls).toFixed(2)]));
    return {
      rows: [
        row('Redis commands per tool call', '', perCall, null, undefined, { text: '≤ 12', met: (f) => f <= 12 }),
        row('  of which round trips (MONITOR, top-level)', '', sample.topLevelPerCall, null),
      ],
      raw: { calls, perCall, perCallByCommand: breakdown, backgroundPerSec: total(background) / (idleMs / 1000), monitor: sample },
    };
  } finally {
    await p.close();
  }
}

/** Runs `n` calls under MONITOR and counts commands by origin: each connection's client name, or Lua. */
async function monitorSample(probe: Redis, client: McpClient, n: number) {
  const monitor = await probe.monitor();
  const seen: { source: string; cmd: string }[] = [];
  monitor.on('monitor', (_time: string, args: string[], source: string) => seen.push({ source, cmd: String(args[0]).toLowerCase() }));
  await sleep(100);
  const start = seen.length;
  for (let i = 0; i < n; i++) await client.call('echo', { text: 'monitored' });
  await sleep(200);
  const names = await clientNames(probe);
  monitor.disconnect();
  const byOrigin: Record<string, Record<string, number>> = {};
  let topLevel = 0;
  for (const { source, cmd } of seen.slice(start)) {
    if (PROBE_COMMANDS.has(cmd) || cmd === 'client') continue;
    const who = source === 'lua' ? 'inside Lua scripts' : (names.get(source) || source).replace(/^(front|worker):[^:]+:/, '$1:');
    if (source !== 'lua') topLevel++;
    (byOrigin[who] ??= {})[cmd] = (byOrigin[who]![cmd] ?? 0) + 1 / n;
  }
  for (const m of Object.values(byOrigin)) for (const k of Object.keys(m)) m[k] = +m[k]!.toFixed(2);
  return { calls: n, topLevelPerCall: topLevel / n, perCallByOrigin: byOrigin };
}
