// notifications/tools/list_changed when the worker fleet's tools change: a worker with a new tool joins a running
// fleet, then leaves (SIGTERM). Every live session — each protocol version, standalone streams on both front nodes —
// hears of each change once, on its standalone stream, and tools/list and tools/call follow.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { sleep, startFleet, type Fleet, type WorkerNode } from './harness/index.ts';
import { startExtraWorker } from './harness/extra-worker.ts';
import {
  ALL_VERSIONS,
  connectVersioned,
  onStandaloneStream,
  resultText,
  settle,
  type VersionedClient,
} from './harness/versions.ts';

const TOOLS_CHANGED = 'notifications/tools/list_changed';
const EXTRA_PACK = fileURLToPath(new URL('./fixtures/extra-pack.ts', import.meta.url));

let fleet: Fleet;
let extra: WorkerNode | undefined;
const clients: VersionedClient[] = [];

before(async () => {
  fleet = await startFleet({ fronts: 2, workers: 1 });
  // Each version twice: once with its standalone stream on A, once on B; POSTs go to the other node.
  for (const version of ALL_VERSIONS) {
    for (const [streamNode, postNode] of [
      ['a', 'b'],
      ['b', 'a'],
    ] as const) {
      clients.push(
        await connectVersioned(fleet, {
          version,
          streamNode,
          route: () => postNode,
          name: `list-changed-${version}-${streamNode}`,
        }),
      );
    }
  }
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await extra?.proc.stop();
  await fleet?.stop();
});

const label = (c: VersionedClient) =>
  `${c.version} client with its stream on ${c.sent.find((s) => s.http === 'GET')?.node}`;

async function toolNames(c: VersionedClient): Promise<string[]> {
  return (await c.client.listTools()).tools.map((t) => t.name);
}

describe('list_changed as workers come and go', () => {
  test('the sessions are on both nodes, each negotiated its version', () => {
    assert.equal(clients.length, 8);
    for (const c of clients) assert.equal(c.negotiated, c.version);
    const streamNodes = clients.map((c) => c.sent.find((s) => s.http === 'GET')?.node);
    assert.deepEqual(new Set(streamNodes), new Set(['front-a', 'front-b']));
  });

  test('a worker with a new tool starts: every session is told once; tools/list has the tool and it can be called', async () => {
    for (const c of clients) assert.ok(!(await toolNames(c)).includes('shout'), `no shout yet for the ${label(c)}`);

    extra = await startExtraWorker(fleet, { nodeId: 'worker-extra', toolPacks: EXTRA_PACK, logName: 'list-changed' });

    // Wait for every session's notification (or 5 s), and 500 ms more for duplicates.
    await settle(() => clients.every((c) => c.notifications(TOOLS_CHANGED).length >= 1), 5_000);
    await sleep(500);
    for (const c of clients) {
      assert.equal(c.notifications(TOOLS_CHANGED).length, 1, `exactly one list_changed for the ${label(c)}`);
      assert.equal(onStandaloneStream(c, TOOLS_CHANGED), 1, `on the standalone stream of the ${label(c)}`);
      // Only the tools changed.
      assert.deepEqual(c.notifications('notifications/resources/list_changed'), [], label(c));
      assert.deepEqual(c.notifications('notifications/prompts/list_changed'), [], label(c));
    }

    for (const c of clients) {
      const names = await toolNames(c);
      assert.ok(names.includes('shout'), `shout listed for the ${label(c)}: ${names.join(', ')}`);
      assert.ok(names.includes('echo'), `the example tools are still there: ${names.join(', ')}`);
      const r = await c.client.callTool({ name: 'shout', arguments: { text: `hello from ${c.version}` } });
      assert.equal(resultText(r), `HELLO FROM ${c.version}`);
      const e = await c.client.callTool({ name: 'echo', arguments: { text: 'still served' } });
      assert.equal(resultText(e), 'still served');
    }
  });

  test('that worker stops (SIGTERM): every session is told once more; the tool is gone', async () => {
    assert.ok(extra, 'the extra worker was started by the previous test');
    await extra.kill('SIGTERM');
    const exit = await extra.proc.exited;
    assert.equal(exit.code, 0, `the worker exits cleanly on SIGTERM: ${JSON.stringify(exit)}`);

    // Wait for every session's second notification (or 5 s), and 500 ms more for duplicates.
    await settle(() => clients.every((c) => c.notifications(TOOLS_CHANGED).length >= 2), 5_000);
    await sleep(500);

    for (const c of clients) {
      const names = await toolNames(c);
      assert.ok(!names.includes('shout'), `shout no longer listed for the ${label(c)}: ${names.join(', ')}`);
      assert.ok(names.includes('echo'));
      await assert.rejects(c.client.callTool({ name: 'shout', arguments: { text: 'anyone?' } }), (err: unknown) => {
        assert.ok(err instanceof McpError, `McpError, got ${String(err)}`);
        assert.equal(err.code, -32602);
        assert.match(err.message, /shout/);
        return true;
      });
    }

    for (const c of clients) {
      assert.deepEqual(c.notifications(TOOLS_CHANGED), [{}, {}], `exactly two list_changed in all for the ${label(c)}`);
      assert.equal(onStandaloneStream(c, TOOLS_CHANGED), 2, label(c));
    }
  });

  test('no client reported an error', () => {
    for (const c of clients)
      assert.deepEqual(
        c.errors.map((e) => e.message),
        [],
        label(c),
      );
  });
});
