// Every metric of the fleet, in one place (README, "Observability"): names under `mcp_fleet_`, their units and
// attributes (`node`, `method`, `tool`, `outcome`, `queue`). Other code records through `fleetMetrics`, never an
// instrument of its own. Until the CLI has started a MeterProvider and called `enable()`, every method returns at
// once: no attribute objects, no instrument calls — a fleet without metrics pays nothing per call or event.
import {
  metrics,
  type Attributes,
  type Counter,
  type Histogram,
  type Meter,
  type ObservableResult,
} from '@opentelemetry/api';

/** How a call ended: its result (`ok`, or `tool_error` for `isError`), a JSON-RPC error, cancelled, interrupted. */
export type CallOutcome = 'ok' | 'tool_error' | 'error' | 'cancelled' | 'interrupted';

/** Latency buckets, seconds: sub-millisecond hops up to long-running tools. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

interface Instruments {
  calls: Counter;
  callDuration: Histogram;
  queueWait: Histogram;
  sseEvents: Counter;
  streamAppends: Counter;
  quotaRejections: Counter;
  deniedRequests: Counter;
  redisErrors: Counter;
}

export interface QueueDepth {
  queue: string;
  /** BullMQ's state: wait, prioritized, delayed (parked calls and retries waiting), active */
  state: string;
  count: number;
}

class FleetMetrics {
  private meter?: Meter;
  private i?: Instruments;
  /** `{ node }`, allocated once: the attributes of per-event counters */
  private nodeAttrs: Attributes = {};

  /** True once a MeterProvider is there (the CLI started one): callers may skip work that only feeds metrics. */
  get enabled(): boolean {
    return this.i !== undefined;
  }

  /** Creates the instruments on the global MeterProvider; the CLI calls it once, after registering one. */
  enable(meter: Meter = metrics.getMeter('mcp-fleet')): void {
    this.meter = meter;
    const seconds = { unit: 's', advice: { explicitBucketBoundaries: LATENCY_BUCKETS } };
    this.i = {
      calls: meter.createCounter('mcp_fleet_calls', { description: 'calls ended, by method, tool and outcome' }),
      callDuration: meter.createHistogram('mcp_fleet_call_duration_seconds', {
        description: 'from enqueue to outcome: what the caller waits, queue and parked time included',
        ...seconds,
      }),
      queueWait: meter.createHistogram('mcp_fleet_queue_wait_seconds', {
        description: 'from enqueue until a worker starts the job',
        ...seconds,
      }),
      sseEvents: meter.createCounter('mcp_fleet_sse_events', { description: 'events written to client streams' }),
      streamAppends: meter.createCounter('mcp_fleet_stream_appends', { description: 'events appended to streams' }),
      quotaRejections: meter.createCounter('mcp_fleet_quota_rejections', {
        description: 'requests refused for a quota (429), by reason',
      }),
      deniedRequests: meter.createCounter('mcp_fleet_denied_requests', {
        description: 'requests answered 401, 403 or 429, by status and error',
      }),
      redisErrors: meter.createCounter('mcp_fleet_redis_errors', {
        description: 'Redis connection errors (ioredis error events), by client',
      }),
    };
  }

  /** The node id every instrument's points carry. */
  setNode(node: string): void {
    this.nodeAttrs = { node };
  }

  /** `attrs` with the node id. Not a spread: once per call, and a spread with fields after it is slow on Node 20. */
  private withNode(attrs: Attributes): Attributes {
    if (this.nodeAttrs.node !== undefined) attrs.node = this.nodeAttrs.node;
    return attrs;
  }

  callEnded(a: { method: string; tool?: string; outcome: CallOutcome; seconds: number }): void {
    if (!this.i) return;
    const attrs = this.withNode({ method: a.method, tool: a.tool ?? '', outcome: a.outcome });
    this.i.calls.add(1, attrs);
    this.i.callDuration.record(a.seconds, attrs);
  }

  queueWait(queue: string, seconds: number): void {
    this.i?.queueWait.record(Math.max(0, seconds), this.withNode({ queue }));
  }

  sseEvent(): void {
    this.i?.sseEvents.add(1, this.nodeAttrs);
  }

  streamAppend(): void {
    this.i?.streamAppends.add(1, this.nodeAttrs);
  }

  /**
   * A request refused for a quota. `principal` is accepted for the caller's convenience but is not an attribute:
   * one series per principal would grow without bound (the audit line names the principal).
   */
  quotaRejected(a: { reason: string; principal?: string }): void {
    this.i?.quotaRejections.add(1, { ...this.nodeAttrs, reason: a.reason });
  }

  requestDenied(a: { status: number; error: string }): void {
    this.i?.deniedRequests.add(1, { ...this.nodeAttrs, status: a.status, error: a.error });
  }

  redisError(client: string): void {
    this.i?.redisErrors.add(1, { ...this.nodeAttrs, client });
  }

  /** `mcp_fleet_open_streams`: read when scraped or exported. Returns the unregister function. */
  observeOpenStreams(read: () => number): () => void {
    if (!this.meter) return () => {};
    const gauge = this.meter.createObservableGauge('mcp_fleet_open_streams', {
      description: 'SSE streams open on this node',
    });
    const cb = (r: ObservableResult) => r.observe(read(), this.nodeAttrs);
    gauge.addCallback(cb);
    return () => gauge.removeCallback(cb);
  }

  /** `mcp_fleet_queue_depth`: jobs per queue and state, read from Redis when scraped or exported. */
  observeQueueDepth(read: () => Promise<QueueDepth[]>): () => void {
    if (!this.meter) return () => {};
    const gauge = this.meter.createObservableGauge('mcp_fleet_queue_depth', {
      description: 'jobs in a queue, by state (wait, prioritized, delayed, active)',
    });
    const cb = async (r: ObservableResult) => {
      const depths = await read().catch(() => []);
      for (const d of depths) r.observe(d.count, { ...this.nodeAttrs, queue: d.queue, state: d.state });
    };
    gauge.addCallback(cb);
    return () => gauge.removeCallback(cb);
  }
}

export const fleetMetrics = new FleetMetrics();
