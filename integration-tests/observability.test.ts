// Observability of a real fleet (2 front nodes and a worker, separate processes) exporting to a collector in this
// test process: one call's trace holds a span from every hop with one trace id and the right parents (HTTP on the
// front → dispatch → BullMQ enqueue → BullMQ process → tool run → stream appends; SSE writes under the HTTP span of
// whichever node serves the stream, here both); Prometheus metrics move as calls run and are protected; the audit
// log has one line per call and per denied request, without arguments, headers or tokens.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  SseReader,
  eventually,
  frameMessage,
  getStream,
  openSession,
  post,
  rpcRequest,
  startFleet,
  type Fleet,
  type LogEntry,
  type RawSession,
} from './harness/index.ts';
import { freePort } from '../shared/src/redis-launcher.ts';
import { modernCall, textOf } from './harness/modern.ts';
import { OtlpReceiver, sampleSum, scrape, scrapeUntil, type ReceivedSpan, type Sample } from './harness/telemetry.ts';

const TOKEN = 'metrics-token-for-the-test-0123456789';
let fleet: Fleet;
let otlp: OtlpReceiver;
let workerMetricsUrl: string;
let session: RawSession;

before(async () => {
  otlp = new OtlpReceiver();
  await otlp.start();
  const workerMetricsPort = await freePort();
  workerMetricsUrl = `http://127.0.0.1:${workerMetricsPort}/metrics`;
  fleet = await startFleet({
    fronts: 2,
    workers: 1,
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      // Export spans every 200 ms (the SDK reads its BSP settings itself), metrics every second.
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      METRICS_ENABLED: 'true',
      AUDIT_LOG: 'stdout',
    },
    // front-a wants the token; front-b, bound to 127.0.0.1 without one, serves metrics to local scrapers.
    frontEnv: [{ METRICS_TOKEN: TOKEN }, {}],
    workerEnv: [{ METRICS_PORT: String(workerMetricsPort), METRICS_TOKEN: TOKEN }],
  });
  session = await openSession(fleet.front('a').url);
});

after(async () => {
  await fleet?.stop();
  await otlp?.stop();
});

function newTrace(): { traceId: string; traceparent: (spanId?: string) => string } {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, traceparent: (spanId = randomBytes(8).toString('hex')) => `00-${traceId}-${spanId}-01` };
}

/** tools/call on `url` in the test's session; resolves with the SSE frames once the response arrived. */
async function call(url: string, name: string, args: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await post(url, rpcRequest('tools/call', { name, arguments: args }), { ...session.headers, ...headers });
  assert.equal(res.status, 200);
  return new SseReader(res).readToEnd();
}

const EVENT_KIND = 'mcp_fleet.event.kind';

/** The spans of a trace, once `ready` says all that is expected has arrived (exports are batched). */
async function spansOf(traceId: string, ready: (spans: ReceivedSpan[]) => boolean): Promise<ReceivedSpan[]> {
  await eventually(() => ready(otlp.trace(traceId)), 10_000, `the spans of trace ${traceId}`);
  return otlp.trace(traceId);
}

const metricsUrl = (alias: string) => `http://127.0.0.1:${fleet.front(alias).port}/metrics`;

describe('one trace across the fleet', () => {
  test('a call started on front-a and resumed on front-b is one trace: every hop, every process, right parents', async () => {
    const t = newTrace();
    const postSpan = randomBytes(8).toString('hex');
    const getSpan = randomBytes(8).toString('hex');
    const res = await post(
      fleet.front('a').url,
      rpcRequest('tools/call', {
        name: 'count',
        arguments: { to: 3, intervalMs: 300 },
        _meta: { progressToken: 'p1' },
      }),
      { ...session.headers, traceparent: t.traceparent(postSpan) },
    );
    assert.equal(res.status, 200);
    const reader = new SseReader(res);
    // The first progress notification, then the connection drops; the client resumes on front-b.
    let last: string | undefined;
    for (;;) {
      const f = await reader.next();
      assert.ok(f, 'the stream ended before any progress');
      last = f.id ?? last;
      if (frameMessage(f)?.method === 'notifications/progress') break;
    }
    await reader.cancel();
    const resumed = await getStream(fleet.front('b').url, session, last, undefined, {
      traceparent: t.traceparent(getSpan),
    });
    assert.equal(resumed.status, 200);
    const frames = await new SseReader(resumed).readToEnd();
    const response = frames.map(frameMessage).find((m) => m && 'result' in m);
    assert.ok(response, 'front-b delivered the response');

    const spans = await spansOf(
      t.traceId,
      (all) =>
        all.some((s) => s.node === 'front-b' && s.name === 'SSE write' && s.attributes[EVENT_KIND] === 'response') &&
        all.filter((s) => s.name === 'stream append').length >= 4 &&
        all.some((s) => s.node === 'front-a' && s.name === 'POST /mcp'),
    );
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const parent = (s: ReceivedSpan) => (s.parentSpanId ? byId.get(s.parentSpanId) : undefined);
    const one = (pred: (s: ReceivedSpan) => boolean, what: string) => {
      const found = spans.filter(pred);
      assert.equal(found.length, 1, `one ${what}; spans: ${spans.map((s) => `${s.node}:${s.name}`).join(', ')}`);
      return found[0]!;
    };

    assert.deepEqual(new Set(spans.map((s) => s.node)), new Set(['front-a', 'front-b', 'worker-1']));
    const http = one((s) => s.node === 'front-a' && s.name === 'POST /mcp', 'HTTP span on front-a');
    assert.equal(http.kind, 2, 'SERVER');
    assert.equal(http.parentSpanId, postSpan, "the HTTP span continues the client's traceparent");
    const dispatch = one((s) => s.name === 'dispatch tools/call', 'dispatch span');
    assert.equal(dispatch.node, 'front-a');
    assert.equal(parent(dispatch), http);
    const enqueue = one((s) => s.kind === 4, 'BullMQ enqueue (producer) span');
    assert.equal(enqueue.node, 'front-a');
    assert.match(enqueue.name, /^add tools\./);
    assert.equal(parent(enqueue), dispatch);
    const processSpan = one((s) => s.kind === 5, 'BullMQ process (consumer) span');
    assert.equal(processSpan.node, 'worker-1');
    assert.equal(parent(processSpan), enqueue);
    const run = one((s) => s.name === 'tools/call count', 'tool run span');
    assert.equal(run.node, 'worker-1');
    assert.equal(parent(run), processSpan);
    const appends = spans.filter((s) => s.name === 'stream append');
    assert.equal(appends.length, 4, '3 progress notifications and the result');
    for (const a of appends) assert.equal(parent(a), run, 'each append is a child of the tool run');
    const writesA = spans.filter((s) => s.name === 'SSE write' && s.node === 'front-a');
    assert.ok(writesA.length >= 1, 'front-a wrote the first progress');
    for (const w of writesA) assert.equal(parent(w), http);
    const get = one((s) => s.node === 'front-b' && s.name === 'GET /mcp', 'HTTP span on front-b');
    assert.equal(get.parentSpanId, getSpan);
    const writesB = spans.filter((s) => s.name === 'SSE write' && s.node === 'front-b');
    assert.ok(writesB.some((w) => w.attributes[EVENT_KIND] === 'response'));
    for (const w of writesB) assert.equal(parent(w), get);
  });

  test("a call's _meta.traceparent wins over the header: the dispatch continues it, linked to the same call", async () => {
    const header = newTrace();
    const meta = newTrace();
    const metaParent = randomBytes(8).toString('hex');
    const res = await post(
      fleet.front('b').url,
      rpcRequest('tools/call', {
        name: 'echo',
        arguments: { text: 'm' },
        _meta: { traceparent: meta.traceparent(metaParent) },
      }),
      { ...session.headers, traceparent: header.traceparent() },
    );
    await new SseReader(res).readToEnd();
    // Each process exports on its own schedule: wait for the spans of both (the worker's append, the front's
    // dispatch and SSE write).
    const spans = await spansOf(meta.traceId, (all) =>
      ['stream append', 'dispatch tools/call', 'SSE write'].every((name) => all.some((s) => s.name === name)),
    );
    const dispatch = spans.find((s) => s.name === 'dispatch tools/call');
    assert.equal(dispatch?.parentSpanId, metaParent);
    assert.ok(spans.some((s) => s.name === 'tools/call echo' && s.node === 'worker-1'));
    assert.ok(
      spans.some((s) => s.name === 'SSE write' && s.parentSpanId === metaParent),
      "the response's SSE write is in the call's trace too",
    );
    assert.ok(
      otlp.trace(header.traceId).some((s) => s.name === 'POST /mcp'),
      'the HTTP span keeps the header trace',
    );
  });

  test('2026-07-28 call: the same hops in one trace, from its _meta.traceparent', async () => {
    const t = newTrace();
    const parentSpan = randomBytes(8).toString('hex');
    const r = await modernCall(fleet.front('a').url, {
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'modern' } },
      extraMeta: { traceparent: t.traceparent(parentSpan) },
    });
    assert.equal(textOf(r.result), 'modern', r.raw);
    const spans = await spansOf(t.traceId, (all) => all.some((s) => s.name === 'SSE write'));
    const dispatch = spans.find((s) => s.name === 'dispatch tools/call');
    assert.equal(dispatch?.parentSpanId, parentSpan);
    assert.equal(dispatch?.node, 'front-a');
    const enqueue = spans.find((s) => s.kind === 4);
    assert.equal(enqueue?.parentSpanId, dispatch?.spanId);
    const processSpan = spans.find((s) => s.kind === 5);
    assert.equal(processSpan?.parentSpanId, enqueue?.spanId);
    assert.equal(processSpan?.node, 'worker-1');
    const run = spans.find((s) => s.name === 'tools/call echo');
    assert.equal(run?.parentSpanId, processSpan?.spanId);
    const append = spans.find((s) => s.name === 'stream append');
    assert.equal(append?.parentSpanId, run?.spanId);
    const write = spans.find((s) => s.name === 'SSE write');
    assert.equal(write?.parentSpanId, parentSpan);
  });
});

describe('Prometheus metrics', () => {
  test('scrapes need the token where one is set; a loopback node without one serves local scrapers', async () => {
    const none = await fetch(metricsUrl('a'));
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');
    const wrong = await fetch(metricsUrl('a'), { headers: { authorization: 'Bearer not-the-token-at-all-000000' } });
    assert.equal(wrong.status, 401);
    assert.match(((await wrong.json()) as { error: { message: string } }).error.message, /METRICS_TOKEN/);
    assert.ok((await scrape(metricsUrl('a'), TOKEN)).length > 0);
    assert.ok((await scrape(metricsUrl('b'))).length > 0, 'front-b: no token, bound to 127.0.0.1');
    assert.equal((await fetch(workerMetricsUrl)).status, 401, "the worker's listener follows the same rule");
    assert.ok((await scrape(workerMetricsUrl, TOKEN)).length > 0);
  });

  test('call counters by tool and outcome, the latency histogram, queue wait and events move as calls run', async () => {
    const before = await scrape(workerMetricsUrl, TOKEN);
    const frontBefore = await scrape(metricsUrl('b'));
    for (let i = 0; i < 3; i++) await call(fleet.front('b').url, 'echo', { text: `e${i}` });
    await call(fleet.front('b').url, 'fail', { message: 'no' });
    const calls = (samples: Sample[]) => sampleSum(samples, 'mcp_fleet_calls_total');
    const after = await scrapeUntil(workerMetricsUrl, TOKEN, (now) => calls(now) - calls(before) >= 4);
    const frontAfter = await scrape(metricsUrl('b'));
    const delta = (name: string, match: Record<string, string>, a = after, b = before) =>
      sampleSum(a, name, match) - sampleSum(b, name, match);
    assert.equal(delta('mcp_fleet_calls_total', { tool: 'echo', outcome: 'ok', node: 'worker-1' }), 3);
    assert.equal(delta('mcp_fleet_calls_total', { tool: 'fail', outcome: 'tool_error' }), 1);
    assert.equal(delta('mcp_fleet_call_duration_seconds_count', { tool: 'echo', outcome: 'ok' }), 3);
    assert.equal(delta('mcp_fleet_call_duration_seconds_count', { method: 'tools/call' }), 4);
    assert.ok(delta('mcp_fleet_call_duration_seconds_sum', { method: 'tools/call' }) > 0);
    assert.equal(delta('mcp_fleet_queue_wait_seconds_count', { queue: 'tools' }), 4);
    assert.equal(delta('mcp_fleet_stream_appends_total', {}), 4, 'one result each');
    assert.equal(delta('mcp_fleet_sse_events_total', { node: 'front-b' }, frontAfter, frontBefore), 4);
  });

  test('the open-streams gauge counts SSE streams open on the node', async () => {
    const openStreams = async () => sampleSum(await scrape(metricsUrl('b')), 'mcp_fleet_open_streams');
    const before = await openStreams();
    const other = await openSession(fleet.front('b').url);
    const ctl = new AbortController();
    const res = await getStream(fleet.front('b').url, other, undefined, ctl.signal);
    assert.equal(res.status, 200);
    await eventually(async () => (await openStreams()) === before + 1, 5_000, 'one more open stream');
    ctl.abort();
    await eventually(async () => (await openStreams()) === before, 5_000, 'the stream closed');
  });

  test('queue depth shows calls waiting while no worker takes them', async () => {
    const depth = async (state: string) =>
      sampleSum(await scrape(metricsUrl('b')), 'mcp_fleet_queue_depth', { queue: 'tools', state });
    assert.equal(await depth('wait'), 0);
    const worker = fleet.workers[0]!;
    process.kill(worker.pid, 'SIGSTOP');
    let calls: Promise<unknown>[] = [];
    try {
      calls = [1, 2, 3].map((i) => call(fleet.front('b').url, 'echo', { text: `q${i}` }));
      await eventually(async () => (await depth('wait')) === 3, 5_000, '3 calls waiting');
    } finally {
      process.kill(worker.pid, 'SIGCONT');
    }
    await Promise.all(calls);
    await eventually(async () => (await depth('wait')) === 0, 5_000, 'the queue drained');
  });

  test('metrics also go out over OTLP when an endpoint is configured', async () => {
    await eventually(
      () =>
        otlp.metricNames.get('worker-1')?.has('mcp_fleet_calls') &&
        otlp.metricNames.get('front-a')?.has('mcp_fleet_open_streams'),
      10_000,
      'OTLP metric exports from the worker and a front node',
    );
  });
});

describe('audit log', () => {
  const auditLines = (logs: LogEntry[]) => logs.filter((e) => e.audit === true);

  test('one line per call when it ends: principal, tool, outcome, durationMs, traceId; never the arguments', async () => {
    const t = newTrace();
    const secret = `s3cret-${randomBytes(4).toString('hex')}`;
    await call(fleet.front('a').url, 'echo', { text: secret }, { traceparent: t.traceparent() });
    const worker = fleet.workers[0]!;
    const line = await worker.waitForLog((e) => e.audit === true && e.traceId === t.traceId, 5_000, 'audit line');
    assert.equal(line.event, 'call');
    assert.equal(line.principal, 'anonymous');
    assert.equal(line.method, 'tools/call');
    assert.equal(line.tool, 'echo');
    assert.equal(line.outcome, 'ok');
    assert.equal(typeof line.durationMs, 'number');
    assert.ok((line.durationMs as number) >= 0);
    assert.equal(line.session, session.sessionId);
    assert.equal('arguments' in line, false);
    assert.ok(!worker.proc.lines.some((l) => l.includes(secret)), 'the arguments are in no line of the worker');
    // Exactly one line for that call, and one per call for the earlier ones.
    assert.equal(auditLines(worker.proc.findLogs((e) => e.traceId === t.traceId)).length, 1);
    const calls = auditLines(worker.proc.logs).filter((e) => e.event === 'call');
    const perJob = new Map<string, number>();
    for (const c of calls) perJob.set(String(c.jobId), (perJob.get(String(c.jobId)) ?? 0) + 1);
    assert.ok(
      [...perJob.values()].every((n) => n === 1),
      'no call has two audit lines',
    );
    assert.ok(calls.some((c) => c.tool === 'fail' && c.outcome === 'tool_error'));
  });

  test('a denied request gets a line on the front node, without its token', async () => {
    const t = newTrace();
    const token = `tok-${randomBytes(6).toString('hex')}`;
    const res = await post(fleet.front('a').url, rpcRequest('tools/list'), {
      ...session.headers,
      origin: 'https://evil.example',
      authorization: `Bearer ${token}`,
      traceparent: t.traceparent(),
    });
    assert.equal(res.status, 403);
    const front = fleet.front('a');
    const line = await front.waitForLog((e) => e.audit === true && e.event === 'denied' && e.traceId === t.traceId);
    assert.equal(line.status, 403);
    assert.equal(line.error, 'ORIGIN_FORBIDDEN');
    assert.equal(line.request, 'POST /mcp');
    assert.ok(!front.proc.lines.some((l) => l.includes(token)), 'no line carries the token');
    // A refused scrape is a denied request too.
    assert.equal((await fetch(metricsUrl('a'))).status, 401);
    await front.waitForLog((e) => e.audit === true && e.event === 'denied' && e.error === 'METRICS_UNAUTHORIZED');
    const denied = await scrape(metricsUrl('a'), TOKEN);
    assert.ok(sampleSum(denied, 'mcp_fleet_denied_requests_total', { status: '403', error: 'ORIGIN_FORBIDDEN' }) >= 1);
  });
});
