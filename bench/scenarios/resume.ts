// Resume: a call runs to its end on front node A; the client then GETs with Last-Event-ID (the first progress event)
// on front node B, over a new connection as a client whose connection dropped would, and we time the first
// replayed event. Baseline: SDK v1 stateful with its example InMemoryEventStore, resuming on the same process
// (the SDK has no cross-process resume).
import type { Ctx, ScenarioResult } from '../context.ts';
import { McpClient, freshClient, pool, summarize, type Target } from '../load.ts';
import { row } from '../report.ts';

interface Sampler {
  target: Target;
  caller: McpClient;
  /** where the GET goes (front B for the fleet) */
  resumeOrigin: string;
  samples: number[];
  wrong: number;
}

export async function resume(ctx: Ctx): Promise<ScenarioResult> {
  const n = ctx.quick ? 100 : 600;
  const rounds = ctx.quick ? 4 : 6;
  ctx.progress.set('resume', 'starting front node B and the resumable SDK server');
  const [frontB, sdk] = await Promise.all([
    ctx.servers.startFront('bench-front-b'),
    ctx.servers.startBaseline('v1-stateful', ['--resumable']),
  ]);
  const pools = [pool(ctx.servers.fleet.origin, 1), pool(sdk.target.origin, 1)];
  try {
    const samplers: Sampler[] = [
      {
        target: ctx.servers.fleet,
        caller: new McpClient(ctx.servers.fleet, pools[0]!),
        resumeOrigin: frontB.target.origin,
        samples: [],
        wrong: 0,
      },
      {
        target: sdk.target,
        caller: new McpClient(sdk.target, pools[1]!),
        resumeOrigin: sdk.target.origin,
        samples: [],
        wrong: 0,
      },
    ];
    for (const s of samplers) {
      await s.caller.initialize();
      for (let i = 0; i < 20; i++) await sample(s, false); // warm-up
    }
    for (let r = 0; r < rounds; r++) {
      for (const s of r % 2 ? [...samplers].reverse() : samplers) {
        for (let i = 0; i < n / rounds; i++) {
          await sample(s, true);
          if (i % 20 === 0)
            ctx.progress.set(
              'resume (Last-Event-ID)',
              `round ${r + 1}/${rounds} ${s.target.label} ${s.samples.length}/${n}`,
            );
        }
      }
    }
    const [fleet, base] = samplers.map((s) => summarize(s.samples));
    ctx.notes.push(
      `Resume: ${n} samples per server; each runs \`count {to: 3, intervalMs: 0}\` with progress to its end on front node A, ` +
        'then GETs with Last-Event-ID = the first progress event on front node B over a new TCP connection; time from sending the GET to the first replayed event. ' +
        "Baseline: SDK v1 stateful with the SDK's example InMemoryEventStore, resuming on the same process (it has no cross-node resume).",
    );
    const label = 'SDK v1 stateful + InMemoryEventStore, same process';
    return {
      rows: [
        row('resume on other node, first event p50', 'ms', fleet!.p50, base!.p50, label),
        row('resume on other node, first event p99', 'ms', fleet!.p99, base!.p99, label),
      ],
      raw: {
        n,
        fleet,
        baseline: base,
        wrongFirstEvent: Object.fromEntries(samplers.map((s) => [s.target.key, s.wrong])),
      },
    };
  } finally {
    await Promise.all(pools.map((p) => p.close()));
    await Promise.all([frontB.proc.stop(), sdk.proc.stop()]);
  }
}

async function sample(s: Sampler, record: boolean): Promise<void> {
  const call = await s.caller.call('count', { to: 3, intervalMs: 0 }, 'resume');
  const [first, expected] = call.ids;
  if (!first || !expected)
    throw new Error(`${s.target.label}: count call returned no event ids (${JSON.stringify(call)})`);
  const conn = freshClient(s.resumeOrigin);
  try {
    let t0 = 0;
    const firstEvent = new Promise<{ at: number; id?: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${s.target.label}: no replayed event within 10 s`)), 10_000);
      t0 = performance.now();
      s.caller
        .openGet(
          first,
          (ev) => {
            clearTimeout(timer);
            resolve({ at: performance.now(), id: ev.id });
          },
          { dispatcher: conn, origin: s.resumeOrigin },
        )
        .catch(reject);
    });
    const got = await firstEvent;
    if (record) s.samples.push(got.at - t0);
    if (got.id !== expected) s.wrong++;
  } finally {
    await conn.destroy();
  }
}
