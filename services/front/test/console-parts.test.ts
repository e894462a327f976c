// The console's pure parts: what a call's stream entries say about its progress and output, wait percentiles,
// the cookie reader, and escaping of everything rendered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { latestActivity, percentile } from '../src/console/fleet-snapshot.ts';
import { readCookie } from '../src/console/console-access.ts';
import { esc } from '../src/console/render.ts';

const entry = (seq: number, kind: string, msg: unknown): [string, string[]] => [
  `${seq}-0`,
  ['k', kind, 'm', JSON.stringify(msg)],
];
const progress = (p: number) => ({
  jsonrpc: '2.0',
  method: 'notifications/progress',
  params: { progress: p, total: 9 },
});

test('the newest progress and partial output of a call, from its stream newest first', () => {
  const partial = {
    jsonrpc: '2.0',
    method: 'notifications/mcp-fleet/partial_result',
    params: { seq: 1, content: [{ type: 'text', text: 'line 2' }] },
  };
  const a = latestActivity([entry(4, 'm', progress(3)), entry(3, 'm', partial), entry(2, 'm', progress(2))]);
  assert.deepEqual(a, { progress: { progress: 3, total: 9 }, output: 'line 2' });
  // The kind letter "m" is also the message field's name: entries are read as pairs, not by searching.
  assert.deepEqual(latestActivity([entry(1, 'f', { jsonrpc: '2.0', id: 1, result: {} })]), {});
  assert.deepEqual(latestActivity([['1-0', ['k', 'm', 'm', 'not json']]]), {});
});

test('percentiles of the sampled waits', () => {
  assert.equal(percentile([], 50), undefined);
  assert.equal(percentile([5], 95), 5);
  const waits = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(waits, 50), 51);
  assert.equal(percentile(waits, 95), 96);
});

test('the console cookie is read from the Cookie header; everything rendered is escaped', () => {
  assert.equal(readCookie('a=1; mcpf_console=mcpf_abc%3D; b=2', 'mcpf_console'), 'mcpf_abc=');
  assert.equal(readCookie('mcpf_consolex=1', 'mcpf_console'), undefined);
  assert.equal(readCookie(undefined, 'mcpf_console'), undefined);
  assert.equal(esc('<img src=x onerror="a">&\''), '&lt;img src=x onerror=&quot;a&quot;&gt;&amp;&#39;');
});
