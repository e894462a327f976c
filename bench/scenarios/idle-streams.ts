// Idle streams: on a front node started for this figure (so earlier scenarios do not weigh on its heap) and warmed
// with echo calls, open 1k (then 10k) sessions, each with its standalone GET stream held open, and read the node's
// VmRSS before and after; plus its Redis connection count at the peak (CLIENT LIST). Baseline: a fresh SDK v1
// stateful server, whose RSS per idle session + stream is measured the same way; and the floor's front node (fastify
// holding a bare SSE response per GET), which shows what node:http and fastify keep per open stream by themselves.
import { Pool, type Dispatcher } from 'undici';
import type { Ctx, ScenarioResult } from '../context.ts';
import { initializedClients, McpClient, pool, runPool, type Target } from '../load.ts';
import { openFilesLimit, rssBytes, sleep } from '../procs.ts';
import { row, type Row } from '../report.ts';
import { attachInspector, type Inspector } from '../inspector.ts';
import { frontRedisConnections } from './redis-commands.ts';

interface Level {
  wanted: number;
  open: number;
  /** VmRSS after a forced full GC */
  rssMB: number;
  /** VmRSS read just before forcing the GC */
  rssBeforeGcMB: number;
  /** V8 heap in use after the GC */
  heapUsedMB: number;
  perStreamKB: number;
  heapPerStreamKB: number;
  redisConnections?: number;
  openMs: number;
}

const MB = 1024 * 1024;
const NODE_ID = 'bench-front-c';

export async function idleStreams(ctx: Ctx): Promise<ScenarioResult> {
  const limit = openFilesLimit();
  // The client holds every stream's socket (plus a few); the server holds as many.
  const cap = Number.isFinite(limit) ? limit - 1000 : Infinity;
  const wanted = ctx.quick ? [1000] : [1000, 10_000];
  const levels = wanted.map((l) => Math.min(l, cap));
  if (levels.some((l, i) => l < wanted[i]!))
    ctx.notes.push(`Idle streams: open-files limit ${limit} capped the streams at ${levels.join(', ')}.`);

  ctx.progress.set('idle streams', 'starting a fresh front node and SDK v1 stateful server');
  const inspect = ['--inspect=127.0.0.1:0'];
  const [front, sdkServer, floorFront] = await Promise.all([
    ctx.servers.startFront(NODE_ID, inspect),
    ctx.servers.startBaseline('v1-stateful', [], inspect),
    ctx.servers.startFloorFront(inspect),
  ]);
  const inspectors: Inspector[] = [];
  let fleet: Awaited<ReturnType<typeof measure>>;
  let sdk: Awaited<ReturnType<typeof measure>>;
  let floor: Awaited<ReturnType<typeof measure>>;
  try {
    for (const s of [front, sdkServer, floorFront]) inspectors.push(await attachInspector(s.proc));
    fleet = await measure(ctx, front.target, inspectors[0]!, levels, NODE_ID);
    sdk = await measure(ctx, sdkServer.target, inspectors[1]!, levels);
    floor = await measure(ctx, floorFront.target, inspectors[2]!, levels);
  } finally {
    for (const i of inspectors) i.close();
    await Promise.all([front.proc.stop(), sdkServer.proc.stop(), floorFront.proc.stop()]);
  }

  const rows: Row[] = [];
  const sdkLabel = 'SDK v1 stateful';
  fleet.levels.forEach((f, i) => {
    const b = sdk.levels[i];
    rows.push(
      row(
        `RSS per idle stream at ${f.wanted.toLocaleString('en-US')}`,
        'KB',
        f.perStreamKB,
        b?.perStreamKB ?? null,
        `${sdkLabel}, per session + stream`,
      ),
    );
    const fl = floor.levels[i];
    rows.push(
      row(
        `RSS per idle stream at ${f.wanted.toLocaleString('en-US')}, floor`,
        'KB',
        f.perStreamKB,
        fl?.perStreamKB ?? null,
        'floor: fastify holding a bare SSE response',
      ),
    );
  });
  const top = fleet.levels.at(-1)!;
  const floorTop = floor.levels.at(-1);
  const rssRow = row(
    `front RSS with ${top.open.toLocaleString('en-US')} idle streams`,
    'MB',
    top.rssMB,
    sdk.levels.at(-1)?.rssMB ?? null,
    sdkLabel,
    {
      text: '≤ 150 MB at 10k streams',
      met: (f) => f <= 150,
      // The floor here: this front node as warmed, holding each stream at the floor's cost per stream.
      floor: { value: floorTop ? fleet.rssBeforeMB + (floorTop.perStreamKB * top.open) / 1024 : null },
    },
  );
  // quick mode stops at 1k: the 10k target is not measured
  if (top.wanted < 10_000) {
    rssRow.met = null;
    rssRow.floor = undefined;
  }
  rows.push(rssRow);
  const conns = Math.max(...fleet.levels.map((l) => l.redisConnections ?? 0), ctx.frontRedisPeak);
  rows.push(
    row('Redis connections per front node (peak)', '', conns, null, undefined, { text: '≤ 4', met: (f) => f <= 4 }),
  );
  ctx.notes.push(
    'Idle streams: on a front node (and an SDK v1 stateful server, and a floor front node) started for this figure and warmed with echo calls (1,000; 300 in quick mode), ' +
      'sessions initialized, then one standalone GET stream each held open; RSS = VmRSS (/proc/<pid>/status) after 1 s of quiet and a ' +
      'full GC forced through the inspector (so garbage from set-up is not counted; the reading before the GC is in the JSON); ' +
      'per stream = (RSS − RSS before) ÷ streams; levels are cumulative (1k, then 9k more). The front RSS target is ≤ 150 MB after ' +
      "the forced GC with 10,000 streams open (quick mode stops at 1,000: n/a); its floor figure is this front node as warmed plus 10,000 × the floor front node's RSS per stream (fastify holding a bare SSE response per GET). SDK v1 stateful keeps an McpServer + " +
      'transport per session in memory, so its figure is per idle session + stream. Redis connections: the most seen from any measured ' +
      'front node during the run (CLIENT LIST names front:<NODE_ID>:*).',
  );
  const sdkTop = sdk.levels.at(-1);
  // What the target leaves per stream above the fleet's own warmed node, against what node:http + fastify alone keep.
  const budgetKB = ((150 - fleet.rssBeforeMB) * 1024) / top.wanted;
  const details = [
    `- **Idle streams**: live V8 heap per stream ${top.heapPerStreamKB.toFixed(1)} KB (fleet) vs ` +
      `${sdkTop?.heapPerStreamKB.toFixed(1) ?? '?'} KB per session + stream (SDK v1 stateful); the front node's RSS was ` +
      `${fleet.rssFreshMB.toFixed(0)} MB just started, ${fleet.rssBeforeMB.toFixed(0)} MB warmed (after GC), and with ` +
      `${top.open.toLocaleString('en-US')} streams ${top.rssMB.toFixed(0)} MB after a forced GC / ${top.rssBeforeGcMB.toFixed(0)} MB before it. ` +
      `The floor (fastify holding a bare SSE response per GET, nothing else) keeps ${floorTop?.perStreamKB.toFixed(1) ?? '?'} KB of RSS ` +
      `(${floorTop?.heapPerStreamKB.toFixed(1) ?? '?'} KB of V8 heap) per open stream; the 150 MB target leaves ` +
      `${budgetKB.toFixed(1)} KB per stream above the fleet's warmed node, so at the floor's cost per stream the fleet's node would hold ` +
      `${floorTop ? (fleet.rssBeforeMB + (floorTop.perStreamKB * top.wanted) / 1024).toFixed(0) : '?'} MB with ${top.wanted.toLocaleString('en-US')} streams.`,
  ];
  return { rows, raw: { fleet, sdk, floor, openFilesLimit: limit }, details };
}

/** VmRSS after a forced full GC (and the reading just before it), and the V8 heap in use. */
async function settledMemory(pid: number, inspector: Inspector) {
  await sleep(1000);
  const beforeGc = rssBytes(pid);
  await inspector.gc();
  await sleep(500);
  return { rss: rssBytes(pid), beforeGc, heapUsed: (await inspector.heap()).used };
}

async function measure(ctx: Ctx, target: Target, inspector: Inspector, levels: number[], nodeId?: string) {
  const max = Math.max(...levels);
  const streams = new Pool(target.origin, { connections: max, pipelining: 1, headersTimeout: 30_000, bodyTimeout: 0 });
  const init = pool(target.origin, 64);
  const open: Dispatcher.ResponseData[] = [];
  const out: Level[] = [];
  try {
    const fresh = rssBytes(target.pid);
    const warm = await initializedClients(target, init, 8);
    await runPool(ctx.quick ? 300 : 1000, 8, async (i) => void (await warm[i % 8]!.call('echo', { text: 'warm-up' })));
    const before = await settledMemory(target.pid, inspector);
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
      const now = await settledMemory(target.pid, inspector);
      const n = Math.max(1, open.length);
      out.push({
        wanted,
        open: open.length,
        rssMB: now.rss / MB,
        rssBeforeGcMB: now.beforeGc / MB,
        heapUsedMB: now.heapUsed / MB,
        perStreamKB: (now.rss - before.rss) / 1024 / n,
        heapPerStreamKB: (now.heapUsed - before.heapUsed) / 1024 / n,
        redisConnections: nodeId ? await frontRedisConnections(ctx, nodeId) : undefined,
        openMs,
      });
      if (failures)
        ctx.notes.push(`Idle streams: ${failures} stream opens failed on ${target.label} at the ${wanted} level.`);
    }
    return { rssFreshMB: fresh / MB, rssBeforeMB: before.rss / MB, heapBeforeMB: before.heapUsed / MB, levels: out };
  } finally {
    ctx.progress.set(`idle streams ${target.label}`, `closing ${open.length} streams`);
    await streams.destroy();
    await init.close();
  }
}
