// Throughput: 32 concurrent callers (one session and one keep-alive connection each) call `echo` back to back for
// a fixed time; calls/s per server, measured in interleaved rounds.
import { allTargets, processesOf, rotate, type Ctx, type ScenarioResult } from '../context.ts';
import { cpuMeter } from '../procs.ts';
import { McpClient, pool, summarize, type Target } from '../load.ts';
import { row, type Row } from '../report.ts';
import type { Pool } from 'undici';

const CALLERS = 32;

export async function throughput(ctx: Ctx): Promise<ScenarioResult> {
  const roundMs = ctx.quick ? 800 : 1500;
  const rounds = ctx.quick ? 3 : 8;
  const targets = allTargets(ctx);
  const pools = new Map<string, Pool>();
  const callers = new Map<string, McpClient[]>();
  const totals = new Map(
    targets.map((t) => [
      t.key,
      { calls: 0, ms: 0, errors: 0, latencies: [] as number[], cpuMs: {} as Record<string, number> },
    ]),
  );
  try {
    for (const t of targets) {
      const p = pool(t.origin, CALLERS);
      pools.set(t.key, p);
      callers.set(
        t.key,
        await Promise.all(
          Array.from({ length: CALLERS }, async () => {
            const c = new McpClient(t, p);
            await c.initialize();
            return c;
          }),
        ),
      );
    }
    for (let r = 0; r < rounds; r++) {
      for (const t of rotate(targets, r))
        await runRound(ctx, t, callers.get(t.key)!, roundMs, totals.get(t.key)!, `round ${r + 1}/${rounds}`);
    }
    await Promise.all([...callers.values()].flat().map((c) => c.close().catch(() => {})));
  } finally {
    await Promise.all([...pools.values()].map((p) => p.close()));
  }

  const perSec = (k: string) => {
    const x = totals.get(k)!;
    return (x.calls / x.ms) * 1000;
  };
  // CPU the serving processes (fleet: front + worker + Redis) spend per call: less sensitive to noisy neighbours.
  const cpuPerCall = (k: string) => {
    const x = totals.get(k)!;
    return (
      Object.entries(x.cpuMs)
        .filter(([p]) => p !== 'client')
        .reduce((a, [, v]) => a + v, 0) / Math.max(1, x.calls)
    );
  };
  const rows: Row[] = targets
    .slice(1)
    .map((t) =>
      row(
        `throughput, ${CALLERS} callers`,
        'calls/s',
        perSec('fleet'),
        perSec(t.key),
        t.label,
        t.key.endsWith('stateless')
          ? { text: '≥ 1.20× SDK stateless', met: (_f, ratio) => ratio !== null && ratio >= 1.2 }
          : undefined,
      ),
    );
  for (const t of targets.slice(1))
    rows.push(row('server CPU per call (32 callers)', 'ms', cpuPerCall('fleet'), cpuPerCall(t.key), t.label));
  const raw = Object.fromEntries(
    targets.map((t) => {
      const x = totals.get(t.key)!;
      const cpuCores = Object.fromEntries(Object.entries(x.cpuMs).map(([k, v]) => [k, +(v / x.ms).toFixed(2)]));
      return [
        t.key,
        {
          callsPerSec: perSec(t.key),
          calls: x.calls,
          ms: x.ms,
          errors: x.errors,
          cpuCores,
          cpuMsPerCall: cpuPerCall(t.key),
          latencyUnderLoad: summarize(x.latencies),
        },
      ];
    }),
  );
  ctx.notes.push(
    `Throughput: ${CALLERS} callers, each with its own session and connection, calling \`echo\` back to back; ` +
      `${rounds} interleaved rounds of ${roundMs / 1000} s per server. Server CPU per call = CPU time (/proc/<pid>/stat) of the serving ` +
      'processes (fleet: front + worker + Redis) during the rounds ÷ calls — a figure the noisy neighbours of a shared machine disturb less.',
  );
  const split = (k: string) =>
    Object.entries(totals.get(k)!.cpuMs)
      .filter(([p]) => p !== 'client')
      .map(([p, v]) => `${p} ${(v / Math.max(1, totals.get(k)!.calls)).toFixed(3)}`)
      .join(' + ');
  const details = [
    `- **CPU per call at 32 callers** (ms of CPU time of the serving processes per call): mcp-fleet ${split('fleet')} = ` +
      `${cpuPerCall('fleet').toFixed(3)}; ${targets
        .slice(1)
        .map((t) => `${t.label} ${cpuPerCall(t.key).toFixed(3)}`)
        .join('; ')}. ` +
      'On a CPU-bound 2-core machine, throughput follows this figure.',
  ];
  return { rows, raw: { callers: CALLERS, roundMs, rounds, ...raw }, details };
}

async function runRound(
  ctx: Ctx,
  target: Target,
  clients: McpClient[],
  ms: number,
  acc: { calls: number; ms: number; errors: number; latencies: number[]; cpuMs: Record<string, number> },
  label: string,
): Promise<void> {
  const meter = cpuMeter(processesOf(ctx, target));
  const start = performance.now();
  const deadline = start + ms;
  let calls = 0;
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await c.call('echo', { text: 'throughput' });
          acc.latencies.push(performance.now() - t0);
          calls++;
        } catch {
          acc.errors++;
          await new Promise((r) => setTimeout(r, 10)); // a broken server must not turn this loop into a spin
        }
        if (calls % 200 === 0) ctx.progress.set('throughput (32 callers)', `${label} ${target.label} ${calls} calls`);
      }
    }),
  );
  const roundMs = performance.now() - start;
  for (const [k, cores] of Object.entries(meter())) acc.cpuMs[k] = (acc.cpuMs[k] ?? 0) + cores * roundMs;
  acc.ms += roundMs;
  acc.calls += calls;
}
