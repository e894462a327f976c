// `npm run soak`: a long run of mixed calls over many sessions while front nodes are restarted, printing memory
// over time (front and worker RSS, Redis used_memory: it should stay flat) and the totals of events lost,
// duplicated and out of order (they must be 0). Not run by CI (10 minutes by default).
//
// SOAK_MINUTES (10), SOAK_SESSIONS (1000), SOAK_CONCURRENCY (40), SOAK_RESTART_SECONDS (60).
// Streams live 60 s here (STREAM_TTL_SECONDS) so that retention reaches its steady state within the run.
import { execFileSync } from 'node:child_process';
import { startFleet } from '../integration-tests/harness/fleet.ts';
import { auditProgress, followCall, repeatedIds } from '../integration-tests/harness/follow.ts';
import { openSession, rpcRequest, sleep, type RawSession } from '../integration-tests/harness/http.ts';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const SESSIONS = Number(process.env.SOAK_SESSIONS ?? 1000);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 40);
const RESTART_S = Number(process.env.SOAK_RESTART_SECONDS ?? 60);

const rssMb = (pid: number): number => {
  try {
    return Math.round(
      Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) / 1024,
    );
  } catch {
    return 0;
  }
};

async function main(): Promise<number> {
  const fleet = await startFleet({
    fronts: 2,
    workers: 2,
    name: 'soak',
    // SOAK_SESSIONS sessions of one principal (anon): room for all of them under the per-principal cap.
    env: {
      STREAM_TTL_SECONDS: '60',
      JOB_LOCK_MS: '5000',
      JOB_STALLED_CHECK_MS: '2000',
      MAX_SESSIONS_PER_PRINCIPAL: String(Math.max(1000, SESSIONS)),
    },
  });
  const redis = fleet.redisClient('soak');
  const alive = () => fleet.fronts.filter((f) => f.proc.alive).map((f) => f.url);
  const totals = { calls: 0, results: 0, errors: 0, hangs: 0, lost: 0, duplicated: 0, outOfOrder: 0, repeatedIds: 0 };
  const errors = new Map<string, number>();
  try {
    const sessions: RawSession[] = [];
    for (let i = 0; i < SESSIONS; i++) sessions.push(await openSession(alive()[i % alive().length]!));
    console.log(
      `soak: ${SESSIONS} sessions, ${CONCURRENCY} callers, ${MINUTES} min, a front restarted every ${RESTART_S} s`,
    );
    const end = Date.now() + MINUTES * 60_000;

    const caller = async () => {
      while (Date.now() < end) {
        const session = sessions[Math.floor(Math.random() * sessions.length)]!;
        const kind = Math.random();
        const to = 3 + Math.floor(Math.random() * 15);
        const body =
          kind < 0.4
            ? rpcRequest('tools/call', { name: 'echo', arguments: { text: 'soak' } })
            : kind < 0.5
              ? rpcRequest('tools/call', { name: 'add', arguments: { a: 1, b: 2 } })
              : rpcRequest('tools/call', {
                  name: 'count',
                  arguments: { to, intervalMs: 50 },
                  _meta: { progressToken: 'p' },
                });
        const o = await followCall(body, { urls: () => shuffled(alive()), session, deadlineMs: 60_000 });
        totals.calls++;
        if (o.kind === 'result') totals.results++;
        else if (o.kind === 'error') {
          totals.errors++;
          const why = (o.why ?? JSON.stringify((o.response as { error?: unknown })?.error)).slice(0, 80);
          errors.set(why, (errors.get(why) ?? 0) + 1);
        } else {
          totals.hangs++;
          if (totals.hangs <= 3) console.log(`  hang: ${JSON.stringify({ body, ...o })}`);
        }
        if (kind >= 0.5) {
          const a = auditProgress(o.progress, to);
          if (o.kind === 'result') totals.lost += a.lost;
          totals.duplicated += a.duplicated;
          totals.outOfOrder += a.outOfOrder;
        }
        totals.repeatedIds += repeatedIds(o.ids).length;
      }
    };

    const restarter = async () => {
      let n = 0;
      while (Date.now() + RESTART_S * 1000 < end) {
        await sleep(RESTART_S * 1000);
        const victim = fleet.fronts.filter((f) => f.proc.alive)[0]!;
        const signal = n++ % 2 ? 'SIGTERM' : 'SIGKILL';
        await victim.kill(signal);
        await fleet.addFront();
        console.log(`  ${new Date().toISOString()} ${victim.nodeId} restarted (${signal})`);
      }
    };

    const sampler = async () => {
      console.log('  minute  calls     front RSS MB (each)   worker RSS MB (each)  redis used MB  lost dup ooo hangs');
      const started = Date.now();
      while (Date.now() < end) {
        await sleep(30_000);
        const info = await redis.info('memory');
        const used = Math.round(Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0) / 1048576);
        const fronts = fleet.fronts.filter((f) => f.proc.alive).map((f) => rssMb(f.pid));
        const workers = fleet.workers.map((w) => rssMb(w.pid));
        const min = ((Date.now() - started) / 60_000).toFixed(1).padStart(6);
        console.log(
          `  ${min}  ${String(totals.calls).padEnd(8)}  ${fronts.join(', ').padEnd(20)}  ${workers.join(', ').padEnd(20)}  ${String(used).padEnd(13)}  ${totals.lost} ${totals.duplicated} ${totals.outOfOrder} ${totals.hangs}`,
        );
      }
    };

    await Promise.all([...Array.from({ length: CONCURRENCY }, caller), restarter(), sampler()]);
  } finally {
    await fleet.stop();
  }
  console.log(`soak totals: ${JSON.stringify(totals)}`);
  if (errors.size) console.log(`explicit errors: ${JSON.stringify(Object.fromEntries(errors))}`);
  return totals.lost + totals.duplicated + totals.outOfOrder + totals.hangs + totals.repeatedIds === 0 ? 0 : 1;
}

function shuffled<T>(a: T[]): T[] {
  return [...a].sort(() => Math.random() - 0.5);
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`soak: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
