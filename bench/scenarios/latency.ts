// Tool-call latency: one client calls `echo` sequentially on one keep-alive connection, N calls per server,
// interleaved in rounds (fleet, baselines, rotated each round) so machine noise hits every server alike; p50 is the
// median of the per-round p50s, p90/p99 come from all of a server's samples (a round holds too few for its p99).
import { targetsWithFloor, rotate, type Ctx, type ScenarioResult } from '../context.ts';
import { McpClient, median, percentile, pool, summarize } from '../load.ts';
import { row, type Row } from '../report.ts';

const PERCENTILES = ['p50', 'p90', 'p99'] as const;

export async function latency(ctx: Ctx): Promise<ScenarioResult> {
  const n = ctx.quick ? 600 : 3000;
  const rounds = ctx.quick ? 5 : 10;
  const targets = targetsWithFloor(ctx);
  const pools = targets.map((t) => pool(t.origin, 1));
  const samples = new Map(targets.map((t) => [t.key, [] as number[]]));
  const roundP50s = new Map(targets.map((t) => [t.key, [] as number[]]));
  const payload = { text: 'hello from the bench' };
  try {
    const clients = await Promise.all(
      targets.map(async (t, i) => {
        const c = new McpClient(t, pools[i]!);
        await c.initialize();
        return c;
      }),
    );
    for (let r = 0; r < rounds; r++) {
      for (const c of rotate(clients, r)) {
        const out = samples.get(c.target.key)!;
        const from = out.length;
        for (let i = 0; i < n / rounds; i++) {
          const t0 = performance.now();
          await c.call('echo', payload);
          out.push(performance.now() - t0);
          if (i % 50 === 0)
            ctx.progress.set(
              'latency (sequential echo)',
              `round ${r + 1}/${rounds} ${c.target.label} ${out.length}/${n}`,
            );
        }
        roundP50s.get(c.target.key)!.push(percentile(out.slice(from), 50));
      }
    }
    await Promise.all(clients.map((c) => c.close()));
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }

  // p50: median of the per-round p50s; p90 and p99: over every sample of the server.
  const stats = Object.fromEntries(
    targets.map((t) => {
      const all = summarize(samples.get(t.key)!);
      return [t.key, { ...all, pooledP50: all.p50, p50: median(roundP50s.get(t.key)!) }];
    }),
  );
  const fleet = stats.fleet!;
  const rows: Row[] = [];
  for (const p of PERCENTILES) {
    for (const t of targets.slice(1)) {
      rows.push(
        row(
          `tool-call latency ${p}`,
          'ms',
          fleet[p],
          stats[t.key]![p],
          t.label,
          p === 'p50' && t.key === 'v1-stateless'
            ? {
                text: '≤ 1.00× SDK v1 stateless',
                met: (_f, ratio) => ratio !== null && ratio <= 1,
                floor: { value: stats.floor?.p50 ?? null, baseline: stats[t.key]!.p50 },
              }
            : undefined,
        ),
      );
    }
  }
  ctx.notes.push(
    `Latency: ${n} sequential \`echo\` calls per server on one keep-alive connection, in ${rounds} interleaved rounds ` +
      "(the order rotated each round); p50 = the median of the per-round p50s, p90 and p99 over all of a server's calls; " +
      'the target is on the ratio to SDK v1 stateless (the SDK v2 row is for information); ' +
      'protocol 2025-11-25, `accept: application/json, text/event-stream` (the fleet, SDK v1 stateful and SDK v2 stateless answer SSE, SDK v1 stateless JSON). ' +
      "SDK v2 is served through createMcpHandler's stateless leg for 2025-era requests (a fresh server per request). " +
      'The floor (bench/baselines/floor-front.ts, floor-worker.ts; also in the throughput and Redis figures) is the ' +
      "fleet's path with nothing of the fleet on it: a fastify node adds a BullMQ job (removeOnComplete, as the fleet " +
      'does), a BullMQ Worker in another process answers with one stream append and one PUBLISH (MULTI/EXEC), the node ' +
      'writes the answer as SSE — no session, authentication, quotas, exactly-once, resume or cancellation; what the ' +
      "architecture's processes, round trips and BullMQ cost by themselves on this machine.",
  );
  const v1 = stats['v1-stateless']!;
  const floor = stats.floor!;
  const details = [
    `- **Latency against the floor**: the floor's p50 is ${floor.p50.toFixed(3)} ms, ${(floor.p50 / v1.p50).toFixed(2)}× ` +
      `SDK v1 stateless (${v1.p50.toFixed(3)} ms) — a call that crosses a queue to another process and back through ` +
      "Redis costs more than the SDK's in-process call before any of the fleet's work; the fleet is " +
      `${(fleet.p50 / floor.p50).toFixed(2)}× the floor.`,
  ];
  return { rows, details, raw: { n, rounds, stats, roundP50s: Object.fromEntries(roundP50s) } };
}
