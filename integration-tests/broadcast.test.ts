// Broadcasts: the announce tool sends one notifications/message to every live session. Sessions of every protocol
// version (2024-11-05 over HTTP+SSE among them), with their standalone streams on both front nodes, each receive it
// exactly once, on that stream, whichever session and node the call came through.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sleep, startFleet, type Fleet } from './harness/index.ts';
import {
  ALL_VERSIONS,
  connectVersioned,
  onStandaloneStream,
  resultText,
  settle,
  type VersionedClient,
} from './harness/versions.ts';

const MESSAGE = 'notifications/message';

let fleet: Fleet;
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
          name: `broadcast-${version}-${streamNode}`,
        }),
      );
    }
  }
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await fleet?.stop();
});

const label = (c: VersionedClient) =>
  `${c.version} client with its stream on ${c.sent.find((s) => s.http === 'GET')?.node}`;
const announcements = (c: VersionedClient) => c.notifications(MESSAGE).filter((p) => p.logger === 'announce');
const find = (version: string, streamNode: string) =>
  clients.find((c) => c.version === version && c.sent.find((s) => s.http === 'GET')?.node === `front-${streamNode}`)!;

/** Waits until each of `live` has `n` announcements (or 5 s), then 500 ms more to catch duplicates. */
async function waitForAnnouncements(live: VersionedClient[], n: number): Promise<void> {
  await settle(() => live.every((c) => announcements(c).length >= n), 5_000);
  await sleep(500);
}

describe('announce reaches every session once', () => {
  test('the sessions: every version, standalone streams on both nodes', () => {
    assert.equal(clients.length, 8);
    for (const c of clients) assert.equal(c.negotiated, c.version);
    assert.deepEqual(
      new Set(clients.map((c) => c.sent.find((s) => s.http === 'GET')?.node)),
      new Set(['front-a', 'front-b']),
    );
  });

  test('announced by a 2025-11-25 session through B: all 8 sessions get it once, on their standalone streams', async () => {
    const caller = find('2025-11-25', 'a');
    const r = await caller.client.callTool({ name: 'announce', arguments: { message: 'first announcement' } });
    assert.notEqual(r.isError, true, JSON.stringify(r));
    assert.equal(resultText(r), 'announced to 8 session(s)');
    await waitForAnnouncements(clients, 1);
    for (const c of clients) {
      assert.deepEqual(
        announcements(c),
        [{ level: 'notice', logger: 'announce', data: 'first announcement' }],
        label(c),
      );
      assert.equal(onStandaloneStream(c, MESSAGE), 1, `on the standalone stream of the ${label(c)}`);
    }
  });

  test('announced by the 2024-11-05 session through A: all 8 get the second one once', async () => {
    const caller = find('2024-11-05', 'b');
    const r = await caller.client.callTool({ name: 'announce', arguments: { message: 'second announcement' } });
    assert.equal(resultText(r), 'announced to 8 session(s)');
    await waitForAnnouncements(clients, 2);
    for (const c of clients) {
      assert.deepEqual(
        announcements(c).map((p) => p.data),
        ['first announcement', 'second announcement'],
        label(c),
      );
      assert.equal(onStandaloneStream(c, MESSAGE), 2, label(c));
    }
  });

  test('a session that ended is no longer counted, the others still get the next one once', async () => {
    const gone = [find('2025-06-18', 'a'), find('2024-11-05', 'a')];
    for (const c of gone) {
      await c.close();
      clients.splice(clients.indexOf(c), 1);
    }
    const caller = find('2025-03-26', 'b');
    const r = await caller.client.callTool({ name: 'announce', arguments: { message: 'third announcement' } });
    assert.equal(resultText(r), 'announced to 6 session(s)');
    await waitForAnnouncements(clients, 3);
    for (const c of clients) {
      assert.deepEqual(
        announcements(c).map((p) => p.data),
        ['first announcement', 'second announcement', 'third announcement'],
        label(c),
      );
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
