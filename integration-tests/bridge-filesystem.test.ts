// `mcp-fleet bridge` hosts @modelcontextprotocol/server-filesystem (stdio) on a temporary directory: a client of the
// fleet, through two front nodes, reads a file there and lists the directory with the server's own tools.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allText as text, packageBin, startBridgeWorker, type BridgeWorker } from './harness/bridge-worker.ts';
import { connectClient, createBalancer, startFleet, type Fleet } from './harness/index.ts';

let fleet: Fleet;
let bridge: BridgeWorker;
let dir: string;

before(async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'mcpf-bridge-fs-')));
  writeFileSync(join(dir, 'hello.txt'), 'Hello from a bridged stdio server.\nSecond line.\n');
  fleet = await startFleet({ fronts: 2, workers: 0 });
  bridge = await startBridgeWorker(fleet, {
    nodeId: 'bridge-fs',
    command: process.execPath,
    args: [packageBin('@modelcontextprotocol/server-filesystem'), dir],
    flags: ['--children', '1'],
  });
});

after(async () => {
  await bridge?.proc.stop();
  await fleet?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('bridge: server-filesystem on a temporary directory', () => {
  test('v1 client on two front nodes: read_text_file reads the file, list_directory lists it', async () => {
    const lb = createBalancer(fleet, 'a');
    let n = 0;
    lb.route = () => (n++ % 2 === 0 ? 'a' : 'b');
    const c = await connectClient(lb);
    try {
      const { tools } = await c.client.listTools();
      const names = tools.map((t) => t.name);
      for (const t of ['read_text_file', 'list_directory', 'write_file'])
        assert.ok(names.includes(t), `${t} in ${names.join(', ')}`);
      const read = await c.client.callTool({ name: 'read_text_file', arguments: { path: join(dir, 'hello.txt') } });
      assert.notEqual(read.isError, true, text(read));
      assert.equal(text(read), 'Hello from a bridged stdio server.\nSecond line.\n');
      const head = await c.client.callTool({
        name: 'read_text_file',
        arguments: { path: join(dir, 'hello.txt'), head: 1 },
      });
      assert.equal(text(head).trim(), 'Hello from a bridged stdio server.');
      const listing = await c.client.callTool({ name: 'list_directory', arguments: { path: dir } });
      assert.match(text(listing), /\[FILE\] hello\.txt/);
      // Outside the directory it was given, the server refuses, and the fleet passes its error on.
      const outside = await c.client.callTool({ name: 'read_text_file', arguments: { path: '/etc/hostname' } });
      assert.equal(outside.isError, true);
      assert.match(text(outside), /denied|outside/i);
      assert.deepEqual([...new Set(lb.history.map((h) => h.node))].sort(), ['front-a', 'front-b']);
    } finally {
      await c.close();
    }
  });
});
