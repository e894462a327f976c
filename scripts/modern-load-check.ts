// Load check for the 2026-07-28 leg: 2 × 1,000 concurrent modern tools/call (SSE with progress) and 500 JSON calls
// on one front node, then prints the warnings and errors the front wrote (looking for MaxListenersExceededWarning).
// Run: node --import tsx scripts/modern-load-check.ts
import { startFleet } from '../integration-tests/harness/fleet.ts';
const fleet = await startFleet({ fronts: 1, workers: 1, name: 'maxlisteners' });
const url = fleet.fronts[0]!.url;
const M = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
const call = (i: number, name: string, args: object) =>
  fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': name,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: i,
      method: 'tools/call',
      params: { name, arguments: args, _meta: { ...M, progressToken: i } },
    }),
  }).then((r) => r.text());
const t0 = Date.now();
for (let round = 0; round < 2; round++)
  await Promise.all(Array.from({ length: 1000 }, (_, i) => call(i, 'count', { to: 3, intervalMs: 300 })));
await Promise.all(Array.from({ length: 500 }, (_, i) => call(i, 'echo', { text: 'x' })));
console.log('done in', Date.now() - t0, 'ms');
await new Promise((r) => setTimeout(r, 500));
const lines = fleet.fronts[0]!.proc.lines.filter(
  (l) => l.includes('[stderr]') || l.includes('Warning') || l.includes('"level":50') || l.includes('"level":40'),
);
console.log(lines.slice(0, 20).join('\n'), '\nwarn/err lines:', lines.length);
await fleet.stop();
