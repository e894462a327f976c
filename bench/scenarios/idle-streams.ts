// Idle streams: open 1k (then 10k) sessions, each with its standalone GET stream held open, and read the server's
// VmRSS before and after; plus the front node's Redis connection count at the peak (CLIENT LIST). Baseline: SDK v1
// stateful, whose RSS per idle session + stream is measured the same way.
import { Pool, type Dispatcher } from 'undici';
import type { Ctx, ScenarioResult } from '../context.ts';
import { McpClient, pool, runPool, type Target } from '../load.ts';
import { openFilesLimit, rssBytes, sleep } from '../procs.ts';
import { row, type Row } from '../report.ts';
import { frontRedisConnections } from './redis-commands.ts';

interface Level {
  wanted: number;
  open: number;
  rssMB: number;
  perStreamKB: number;
  redisConnections?: number;
  openMs: number;
}

const MB = 1024 * 1024;

export async function idleStreams(ctx: Ctx): Promise<ScenarioResult> {
  const limit = openFilesLimit();
  // The client holds every stream's socket (plus a few); the server holds as many.
  const cap = Number.isFinite(limit) ? limit - 1000 : Infinity;
  const levels = (ctx.quick ? [1000] : [1000, 10_000]).map((l) => Math.min(l, cap));
  if (levels.some((l) => l < (ctx.quick ? 1000 : 10_000))) ctx.notes.push(`Idle streams: open-files limit ${limit} capped the streams at ${levels.join(', ')}.`);
  const fleet = await measure(ctx, ctx.servers.fleet, levels, true);
  const sdk = await measure(ctx, ctx.servers.baselines['v1-stateful'], levels, false);

  const rows: Row[] = [];
  const sdkLabel = 'SDK v1 stateful';
  fleet.levels.forEach((f, i) => {
    const b = sdk.levels[i];
    rows.push(row(`RSS per idle stream at ${f.wanted.toLocaleString('en-US')}`, 'KB', f.perStreamKB, b?.perStreamKB ?? null, `${sdkLabel}, per session + stream`));
  });
  const top = fleet.levels.at(-1)!;
  const top10k = top.wanted >= 10_000;
  const rssRow = row(`front RSS with ${top.open.toLocaleString('en-US')} idle streams`, 'MB', top.rssMB, sdk.levels.at(-1)?.rssMB ?? null, sdkLabel,
    { text: '≤ 200 MB at 10k streams', met: (f) => f <= 200 });
  if (!top10k) rssRow.met = null; // quick mode stops at 1k: the 10k target is not measured
  rows.push(rssRow);
  const conns = Math.max(...fleet.levels.map((l) => l.redisConnections ?? 0), ctx.frontRedisPeak);
  rows.push(row('Redis connections per front node (peak)', '', conns, null, undefined, { text: '≤ 4', met: (f) => f <= 4 }));
  ctx.notes.push(`Idle streams: sessions initialized, then one standalone GET stream each held open; RSS = VmRSS of the server process ` +
    `(/proc/<pid>/status) after 1.5 s of quiet, per stream = (RSS − RSS before) ÷ streams; levels are cumulative (1k, then 9k more). ` +
    'SDK v1 stateful keeps an McpServer + transport per session in memory, so its figure is per idle session + stream.');
  return { rows, raw: { fleet, sdk, openFilesLimit: limit } };
}

async function measure(ctx: Ctx, target: Target, levels: number[], isFleet: boolean): Promise<{ rssBeforeMB: number; levels: Level[] }> {
  const max = Math.max(...levels);
  const streams = new Pool(target.origin, { connections: max, pipelining: 1, headersTimeout: 30_000, bodyTimeout: 0 });
  const init = pool(target.origin, 64);
  const open: Dispatcher.ResponseData[] = [];
  const out: Level[] = [];
  try {
    await sleep(1000);
    const before = rssBytes(target.pid);
    for (const wanted of levels) {
      const t0 = performance.now();
      // Bounded in time: whatever is open after 90 s is measured.
      const deadline = Date.now() + 90_000;
      let failures = 0;
      await runPool(wanted - open.length, 64, async () => {
        if (Date.now() > deadline || failures > 100) return;
        try {
          const c = new McpClient(target, init);
          await c.initialize();
          open.push(await c.openGet(undefined, () => {}, { dispatcher: streams, origin: target.origin }));
        } catch {
          failures++;
        }
        ctx.progress.set(`idle streams ${target.label}`, `${open.length}/${wanted} open`);
      });
      const openMs = performance.now() - t0;
      ctx.progress.set(`idle streams ${target.label}`, `${open.length} open, settling`);
      await sleep(1500);
      const rss = rssBytes(target.pid);
      out.push({
        wanted,
        open: open.length,
        rssMB: rss / MB,
        perStreamKB: (rss - before) / 1024 / Math.max(1, open.length),
        redisConnections: isFleet ? await frontRedisConnections(ctx) : undefined,
        openMs,
      });
      if (failures) ctx.notes.push(`Idle streams: ${failures} stream opens failed on ${target.label} at the ${wanted} level.`);
    }
    return { rssBeforeMB: before / MB, levels: out };
  } finally {
    ctx.progress.set(`idle streams ${target.label}`, `closing ${open.length} streams`);
    await streams.destroy();
    await init.close();
  }
}
