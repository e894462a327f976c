// What building a hot-path object costs by how it is built: a spread with fields after it, Object.assign, or written
// out — and JSON.stringify of the result (a call's job goes to BullMQ as JSON). Node 20's V8 builds the first kind
// the slow way (docs/architecture.md, "Object spreads on hot paths"). Run it under each Node:
//   node --import tsx bench/micro/object-spread.ts
const request = {
  v: 1,
  method: 'tools/call',
  session: { principal: 'anon', sessionId: 'abc' },
  requestId: 1,
  protocolVersion: '2025-11-25',
  clientCapabilities: {},
  target: 'echo',
  params: { name: 'echo', arguments: { text: 'hi' } },
  progressToken: undefined,
  logLevel: undefined,
  retention: { maxEvents: 10_000, ttlMs: 600_000, sessionTtlMs: 600_000, serverRequestTimeoutMs: 60_000 },
  task: undefined,
};
const sink: unknown[] = [];

function ns(name: string, build: (i: number) => unknown): Record<string, number | string> {
  const n = 200_000;
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) sink[i & 1023] = build(i);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / n);
  }
  return { name, ns: Math.round(best) };
}

const rows = [
  ns('spread + 2 fields', (i) => ({ ...request, streamId: `s${i & 7}`, jobId: 's' })),
  ns('Object.assign', (i) => Object.assign({}, request, { streamId: `s${i & 7}`, jobId: 's' })),
  ns('spread + 2 fields, then JSON.stringify', (i) =>
    JSON.stringify({ ...request, streamId: `s${i & 7}`, jobId: 's' }),
  ),
  ns('Object.assign, then JSON.stringify', (i) =>
    JSON.stringify(Object.assign({}, request, { streamId: `s${i & 7}`, jobId: 's' })),
  ),
  ns('spread alone', () => ({ ...request })),
];
console.log(JSON.stringify({ node: process.version, rows }));
