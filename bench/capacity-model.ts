// The capacity model: from the CPU one tool call costs each process (ms per call, measured), the calls/s a layout
// can serve. Each process is one event loop, so it serves at most 1000 / (its ms per call) calls/s on a core of its
// own. A kind scales out over its instances — F front nodes and W workers behind a round-robin balancer, S Redis
// masters with the sessions (and so the work) spread evenly — and the fleet runs at the rate of its busiest kind.
// When processes share cores (the check on a small machine), their ms per call add up on that core: the busiest
// core sets the rate.

/** CPU ms per call of each kind; `redis` is all shards together (per shard: redis / S). */
export interface CallCosts {
  front: number;
  worker: number;
  redis: number;
}

export interface Prediction {
  callsPerSec: number;
  /** the kind (or the core) that runs out first */
  bottleneck: string;
}

function busiest(msPerCall: [string, number][]): Prediction {
  const [bottleneck, ms] = msPerCall.reduce((a, b) => (b[1] > a[1] ? b : a));
  return { callsPerSec: ms > 0 ? 1000 / ms : Number.POSITIVE_INFINITY, bottleneck };
}

/** F front nodes, W workers and S Redis shards, each process on a core of its own (clients elsewhere). */
export function predictFleet(c: CallCosts, fronts: number, workers: number, shards: number): Prediction {
  return busiest([
    ['front', c.front / fronts],
    ['worker', c.worker / workers],
    ['redis', c.redis / shards],
  ]);
}

/**
 * Processes pinned to cores (`cores[i]` names the processes on core i, keys of `msPerCall`): the busiest core's sum.
 * A core listed without processes adds nothing.
 */
export function predictPinned(msPerCall: Record<string, number>, cores: string[][]): Prediction & { coreMs: number[] } {
  const coreMs = cores.map((procs) => procs.reduce((a, p) => a + need(msPerCall, p), 0));
  const p = busiest(coreMs.map((ms, i) => [`core ${i}`, ms]));
  return { ...p, coreMs };
}

/**
 * Processes free to run on any of `cores` cores (no pinning): the scheduler keeps every core busy, so the rate is
 * bounded by the total over the cores, and by the busiest single process (one event loop uses one core at most).
 */
export function predictUnpinned(msPerCall: Record<string, number>, cores: number): Prediction {
  const total = Object.values(msPerCall).reduce((a, b) => a + b, 0);
  return busiest([[`all ${cores} cores`, total / cores], ...Object.entries(msPerCall)]);
}

function need(msPerCall: Record<string, number>, p: string): number {
  const v = msPerCall[p];
  if (v === undefined) throw new Error(`no cost measured for process ${p}`);
  return v;
}

/**
 * The costs to predict S shards from: those measured on the largest measured shard count not above S (a cluster's
 * per-call overhead is in them), with Redis's total spread over S.
 */
export function costsForShards(measured: Map<number, CallCosts>, shards: number): CallCosts {
  const s = Math.max(...[...measured.keys()].filter((k) => k <= shards));
  const c = measured.get(s);
  if (!c) throw new Error(`no costs measured for ${shards} shard(s) or fewer`);
  return c;
}

/** Relative error of a prediction against a measurement, in % (positive: the model promised more). */
export function errorPct(predicted: number, measured: number): number {
  return ((predicted - measured) / measured) * 100;
}
