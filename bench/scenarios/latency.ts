// Tool-call latency: one client calls `echo` sequentially on one keep-alive connection, N calls per server,
// interleaved in rounds (fleet, baselines, rotated each round) so machine noise hits every server alike.
import { allTargets, rotate, type Ctx, type ScenarioResult } from '../context.ts';
import { McpClient, pool, summarize } from '../load.ts';
import { row, type Row } from '../report.ts';

const PERCENTILES = ['p50', 'p90', 'p99'] as const;

export async function latency(ctx: Ctx): Promise<ScenarioResult> {
  const n = ctx.quick ? 600 : 3000;
  const rounds = ctx.quick ? 5 : 10;
  const targets = allTargets(ctx);
  const pools = targets.map((t) => pool(t.origin, 1));
  const samples = new Map(targets.map((t) => [t.key, [] as number[]]));
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
      }
    }
    await Promise.all(clients.map((c) => c.close()));
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }

  const stats = Object.fromEntries(targets.map((t) => [t.key, summarize(samples.get(t.key)!)]));
  const fleet = stats.fleet!;
  const rows: Row[] = [];
  for (const p of PERCENTILES) {
    for (const t of targets.slice(1)) {
      const stateless = t.key.endsWith('stateless');
      rows.push(
        row(
          `tool-call latency ${p}`,
          'ms',
          fleet[p],
          stats[t.key]![p],
          t.label,
          p === 'p50' && stateless
            ? { text: '≤ 1.00× SDK stateless', met: (_f, ratio) => ratio !== null && ratio <= 1 }
            : undefined,
        ),
      );
    }
  }
  ctx.notes.push(
    `Latency: ${n} sequential \`echo\` calls per server on one keep-alive connection, in ${rounds} interleaved rounds; ` +
      'protocol 2025-11-25, `accept: application/json, text/event-stream` (the fleet, SDK v1 stateful and SDK v2 stateless answer SSE, SDK v1 stateless JSON). ' +
      "SDK v2 is served through createMcpHandler's stateless leg for 2025-era requests (a fresh server per request).",
  );
  return { rows, raw: { n, rounds, stats } };
}
