// 50 virtual users, shaped like the published cross-SDK MCP server benchmark (k6 virtual users against each SDK's
// server): every user loops — initialize, notifications/initialized, tools/list, a mix of CPU-light and I/O-bound
// tool calls, then DELETE of the session (on the servers that keep sessions) — for a fixed time per round. Rounds
// are interleaved across servers (the order rotated each round); figures are medians of the per-round figures.
// Every server runs the same tools: `echo` (CPU-light) and `count {to: 1, intervalMs: 20}` (I/O-bound: one 20 ms
// timer, then the result), the fleet's example pack and the baselines' copies of it.
import { allTargets, processesOf, rotate, type Ctx, type ScenarioResult } from '../context.ts';
import { McpClient, median, percentile, pool, type CallOutcome, type Target } from '../load.ts';
import { cpuMeter, rssBytes, sleep } from '../procs.ts';
import { row, type Row } from '../report.ts';
import type { Pool } from 'undici';

const USERS = 50;
/** tool calls per session: 7 `echo`, 3 `count` (I/O-bound) */
const CALLS_PER_SESSION = 10;
const IO_CALLS = new Set([2, 5, 8]);
const IO_MS = 20;
const KINDS = ['initialize', 'initialized', 'tools/list', 'echo', 'io', 'delete'] as const;
type Kind = (typeof KINDS)[number];
/** What requests/s and the latency percentiles count: the JSON-RPC requests, the same 12 per session everywhere. */
const COUNTED: ReadonlySet<Kind> = new Set(['initialize', 'tools/list', 'echo', 'io']);
const MB = 1024 * 1024;

interface Round {
  ms: number;
  sessions: number;
  /** counted requests that succeeded */
  requests: number;
  errors: number;
  requestsPerSec: number;
  p50: number;
  p99: number;
  /** peak VmRSS of the serving processes (summed per sample), MB */
  rssMB: number;
  /** each serving process's peak VmRSS, MB */
  rssByProcessMB: Record<string, number>;
  /** CPU ms of the serving processes per counted request */
  serverCpuMsPerRequest: number;
  /** p50 per kind of request, ms */
  p50ByKind: Partial<Record<Kind, number>>;
}

/** One round: which server, through which connections, for how long, and where to keep the first errors. */
interface RoundSpec {
  ctx: Ctx;
  target: Target;
  dispatcher: Pool;
  ms: number;
  phase: string;
  firstErrors: string[];
}

interface Acc {
  sessions: number;
  requests: number;
  errors: number;
  samples: Record<Kind, number[]>;
}

export async function virtualUsers(ctx: Ctx): Promise<ScenarioResult> {
  const roundMs = ctx.quick ? 700 : 3000;
  const rounds = ctx.quick ? 3 : 4;
  const v1 = ctx.servers.baselines['v1-stateless'];
  const targets = ctx.quick ? [ctx.servers.fleet, v1] : allTargets(ctx);
  const pools = new Map<string, Pool>(targets.map((t) => [t.key, pool(t.origin, USERS)]));
  const runs = new Map<string, Round[]>(targets.map((t) => [t.key, []]));
  // Redis's RSS counts here: the pages its allocator kept from what earlier scenarios wrote and their sessions'
  // deletes freed (the fan-out's streams, the SLOWLOG sample) are given back first.
  await ctx.servers.probe.call('MEMORY', 'PURGE');
  const errors = new Map<string, number>(targets.map((t) => [t.key, 0]));
  const firstErrors: string[] = [];
  try {
    // Warm-up (not measured, but its errors count): tools/list and count have not run on these servers yet.
    const spec = (target: Target, ms: number, phase: string): RoundSpec => ({
      ctx,
      target,
      dispatcher: pools.get(target.key)!,
      ms,
      phase,
      firstErrors,
    });
    for (const t of targets) {
      const acc = await runRound(spec(t, ctx.quick ? 300 : 1000, 'warm-up'));
      errors.set(t.key, errors.get(t.key)! + acc.errors);
    }
    for (let r = 0; r < rounds; r++) {
      for (const t of rotate(targets, r)) {
        const round = await measureRound(spec(t, roundMs, `round ${r + 1}/${rounds}`));
        runs.get(t.key)!.push(round);
        errors.set(t.key, errors.get(t.key)! + round.errors);
      }
    }
  } finally {
    await Promise.all([...pools.values()].map((p) => p.close()));
  }

  const fig = (key: string, f: (r: Round) => number) => median(runs.get(key)!.map(f));
  const label = (t: Target) => t.label;
  const rows: Row[] = [];
  for (const t of targets.slice(1))
    rows.push(
      row(
        `${USERS} virtual users: requests/s`,
        'req/s',
        fig('fleet', (r) => r.requestsPerSec),
        fig(t.key, (r) => r.requestsPerSec),
        label(t),
      ),
    );
  for (const [name, f] of [
    ['latency p50', (r: Round) => r.p50],
    ['latency p99', (r: Round) => r.p99],
  ] as const)
    rows.push(row(`${USERS} virtual users: ${name}`, 'ms', fig('fleet', f), fig(v1.key, f), label(v1)));
  rows.push(
    row(
      `${USERS} virtual users: RSS (fleet: front + worker + Redis)`,
      'MB',
      fig('fleet', (r) => r.rssMB),
      fig(v1.key, (r) => r.rssMB),
      label(v1),
    ),
  );
  const allErrors = [...errors.values()].reduce((a, b) => a + b, 0);
  rows.push(
    row(`${USERS} virtual users: errors`, '', errors.get('fleet')!, errors.get(v1.key)!, label(v1), {
      text: '0 errors (every server)',
      met: () => allErrors === 0,
    }),
  );

  ctx.notes.push(
    `${USERS} virtual users (shaped like the published cross-SDK MCP benchmark): ${USERS} concurrent users, one keep-alive ` +
      'connection each, each looping over sessions: initialize, notifications/initialized, tools/list, ' +
      `${CALLS_PER_SESSION} tool calls (${CALLS_PER_SESSION - IO_CALLS.size} \`echo\`, CPU-light; ${IO_CALLS.size} ` +
      `\`count {to: 1, intervalMs: ${IO_MS}}\`, I/O-bound: a ${IO_MS} ms timer — the same tool on every server), then DELETE ` +
      'of the session where the server keeps one (the fleet, SDK v1 stateful; the stateless SDK servers have none). ' +
      `${rounds} rounds of ${roundMs / 1000} s per server, interleaved (the order rotated each round), after a warm-up pass; ` +
      'a session under way at the end of a round is finished and counted. requests/s = the JSON-RPC requests that ' +
      `succeeded (initialize, tools/list and the tool calls: the same ${CALLS_PER_SESSION + 2} per session on every server; ` +
      'the notification and DELETE are sent but not counted) ÷ the round time; p50 and p99 over those requests in the ' +
      'round; RSS = the peak VmRSS (/proc/<pid>/status, sampled every 100 ms) of the serving processes during the round — ' +
      "the fleet: front node + worker + Redis summed (Redis's RSS includes what earlier scenarios and rounds left in it), " +
      'a baseline: its one process; each figure the median of the rounds. ' +
      'Errors: thrown requests (HTTP status ≥ 300, no response), JSON-RPC errors, isError results, a tools/list without ' +
      'echo and count, a failed DELETE — warm-up included; the target is 0 on every server.' +
      (ctx.quick ? ' Quick mode runs the fleet and SDK v1 stateless only.' : ''),
  );
  if (firstErrors.length) ctx.notes.push(`${USERS} virtual users: first errors — ${firstErrors.join('; ')}`);

  const describe = (t: Target) => {
    const rs = runs.get(t.key)!;
    const byProcess = Object.keys(rs[0]?.rssByProcessMB ?? {})
      .map((k) => `${k} ${median(rs.map((r) => r.rssByProcessMB[k] ?? 0)).toFixed(0)}`)
      .join(' + ');
    const kinds = KINDS.filter((k) => rs[0]?.p50ByKind[k] !== undefined)
      .map((k) => `${k} ${median(rs.map((r) => r.p50ByKind[k] ?? Number.NaN)).toFixed(2)}`)
      .join(', ');
    return (
      `${t.label} ${fig(t.key, (r) => r.requestsPerSec).toFixed(0)} req/s, p50 ${fig(t.key, (r) => r.p50).toFixed(2)} ms, ` +
      `p99 ${fig(t.key, (r) => r.p99).toFixed(1)} ms, RSS ${fig(t.key, (r) => r.rssMB).toFixed(0)} MB (${byProcess}), ` +
      `${fig(t.key, (r) => r.serverCpuMsPerRequest).toFixed(3)} ms server CPU per request, ${errors.get(t.key)} errors; ` +
      `p50 by request (ms): ${kinds}`
    );
  };
  const details = [`- **${USERS} virtual users** (medians of the rounds): ${targets.map(describe).join('. ')}.`];
  return {
    rows,
    details,
    raw: {
      users: USERS,
      callsPerSession: CALLS_PER_SESSION,
      ioCalls: IO_CALLS.size,
      ioMs: IO_MS,
      rounds,
      roundMs,
      errors: Object.fromEntries(errors),
      firstErrors,
      runs: Object.fromEntries(runs),
    },
  };
}

/** One round on one server with the CPU and RSS of its serving processes measured. */
async function measureRound(spec: RoundSpec): Promise<Round> {
  const { ctx, target } = spec;
  const pids = Object.fromEntries(Object.entries(processesOf(ctx, target)).filter(([k]) => k !== 'client'));
  const peak: Record<string, number> = {};
  let peakSum = 0;
  const sample = () => {
    let sum = 0;
    for (const [k, pid] of Object.entries(pids)) {
      if (!pid) continue;
      const rss = rssBytes(pid);
      peak[k] = Math.max(peak[k] ?? 0, rss);
      sum += rss;
    }
    peakSum = Math.max(peakSum, sum);
  };
  sample();
  const sampler = setInterval(sample, 100);
  const meter = cpuMeter(pids);
  const t0 = performance.now();
  let acc: Acc;
  try {
    acc = await runRound(spec);
  } finally {
    clearInterval(sampler);
  }
  const elapsed = performance.now() - t0;
  sample();
  const cpuMs = Object.values(meter()).reduce((a, cores) => a + cores * elapsed, 0);
  const counted = KINDS.filter((k) => COUNTED.has(k)).flatMap((k) => acc.samples[k]);
  const p50ByKind: Partial<Record<Kind, number>> = {};
  for (const k of KINDS) if (acc.samples[k].length) p50ByKind[k] = +percentile(acc.samples[k], 50).toFixed(3);
  return {
    ms: elapsed,
    sessions: acc.sessions,
    requests: acc.requests,
    errors: acc.errors,
    requestsPerSec: (acc.requests / elapsed) * 1000,
    p50: percentile(counted, 50),
    p99: percentile(counted, 99),
    rssMB: peakSum / MB,
    rssByProcessMB: Object.fromEntries(Object.entries(peak).map(([k, v]) => [k, +(v / MB).toFixed(1)])),
    serverCpuMsPerRequest: cpuMs / Math.max(1, acc.requests),
    p50ByKind,
  };
}

/** USERS users loop over sessions until `ms` have passed; the session under way at the deadline is finished. */
async function runRound({ ctx, target, dispatcher, ms, phase, firstErrors }: RoundSpec): Promise<Acc> {
  const acc: Acc = {
    sessions: 0,
    requests: 0,
    errors: 0,
    samples: Object.fromEntries(KINDS.map((k) => [k, []])) as unknown as Acc['samples'],
  };
  const timed = async <T>(kind: Kind, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const out = await fn();
    acc.samples[kind].push(performance.now() - t0);
    if (COUNTED.has(kind)) acc.requests++;
    return out;
  };
  const deadline = performance.now() + ms;
  const ticker = setInterval(
    () => ctx.progress.set(`${USERS} virtual users ${phase}`, `${target.label} ${acc.sessions} sessions`),
    250,
  );
  try {
    await Promise.all(
      Array.from({ length: USERS }, async (_, u) => {
        while (performance.now() < deadline) {
          const c = new McpClient(target, dispatcher);
          try {
            await timed('initialize', () => c.initialize({ initialized: false }));
            await timed('initialized', () => c.notify('notifications/initialized'));
            checkTools(await timed('tools/list', () => c.request('tools/list')));
            for (let i = 0; i < CALLS_PER_SESSION; i++) {
              if (IO_CALLS.has(i)) checkResult(await timed('io', () => c.call('count', { to: 1, intervalMs: IO_MS })));
              else checkResult(await timed('echo', () => c.call('echo', { text: `user ${u} call ${i}` })));
            }
            if (c.sessionId) {
              const status = await timed('delete', () => c.close());
              if (status === undefined || status < 200 || status >= 300) throw new Error(`DELETE: HTTP ${status}`);
            }
            acc.sessions++;
          } catch (err) {
            acc.errors++;
            if (firstErrors.length < 5) firstErrors.push(`${target.label}: ${(err as Error).message.slice(0, 200)}`);
            await sleep(10); // a broken server must not turn this loop into a spin
          }
        }
      }),
    );
  } finally {
    clearInterval(ticker);
  }
  return acc;
}

function checkResult(out: CallOutcome): void {
  const res = out.response as { result?: { isError?: boolean }; error?: unknown };
  if (res.error !== undefined) throw new Error(`JSON-RPC error ${JSON.stringify(res.error).slice(0, 200)}`);
  if (res.result?.isError) throw new Error(`tool error ${JSON.stringify(res.result).slice(0, 200)}`);
}

function checkTools(out: CallOutcome): void {
  checkResult(out);
  const tools = (out.response as { result?: { tools?: { name: string }[] } }).result?.tools ?? [];
  for (const name of ['echo', 'count'])
    if (!tools.some((t) => t.name === name)) throw new Error(`tools/list without ${name}`);
}
