// resources/subscribe across front nodes, for every protocol version: the subscriber's standalone stream (GET /mcp;
// 2024-11-05: the SSE stream) is held by node A, the change (set_note) is made through node B, and the subscriber
// is told once, on that stream.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFleet, type Fleet } from './harness/index.ts';
import {
  ALL_VERSIONS,
  allAnswered,
  collectNotifications,
  connectVersioned,
  onStandaloneStream,
  resultText,
  type VersionedClient,
} from './harness/versions.ts';

const NOTE = 'note://current';
const UPDATED = 'notifications/resources/updated';

let fleet: Fleet;

before(async () => {
  fleet = await startFleet({ fronts: 2, workers: 1 });
});

after(async () => {
  await fleet?.stop();
});

async function noteText(c: VersionedClient): Promise<string> {
  const r = await c.client.readResource({ uri: NOTE });
  assert.equal(r.contents.length, 1, JSON.stringify(r));
  return (r.contents[0] as { text?: string }).text ?? '';
}

describe('a subscriber on A hears of a change made through B, once', () => {
  for (const version of ALL_VERSIONS) {
    test(version, async () => {
      // The subscriber: stream on A, every POST (subscribe, set_note, read) to B.
      const sub = await connectVersioned(fleet, {
        version,
        streamNode: 'a',
        route: () => 'b',
        name: `subscriber-${version}`,
      });
      // Someone else, not subscribed, working through B.
      const other = await connectVersioned(fleet, {
        version: '2025-11-25',
        streamNode: 'b',
        name: `writer-${version}`,
      });
      try {
        assert.equal(sub.negotiated, version);
        assert.deepEqual(await sub.client.subscribeResource({ uri: NOTE }), {});

        // 1. Another session changes the note through B.
        const byOther = `set by another session (${version})`;
        const r1 = await other.client.callTool({ name: 'set_note', arguments: { text: byOther } });
        assert.equal(resultText(r1), 'note set; 1 subscribed session(s) notified');
        assert.deepEqual(await collectNotifications(sub, UPDATED, 1), [{ uri: NOTE }]);
        assert.equal(onStandaloneStream(sub, UPDATED), 1, 'delivered on the stream held by A');
        assert.equal(await noteText(sub), byOther);

        // 2. The subscriber changes it itself, its call routed to B.
        const bySelf = `set by the subscriber (${version})`;
        const r2 = await sub.client.callTool({ name: 'set_note', arguments: { text: bySelf } });
        assert.equal(resultText(r2), 'note set; 1 subscribed session(s) notified');
        assert.deepEqual(await collectNotifications(sub, UPDATED, 2), [{ uri: NOTE }, { uri: NOTE }]);
        assert.equal(onStandaloneStream(sub, UPDATED), 2, 'delivered on the stream held by A');
        assert.equal(await noteText(other), bySelf);

        // The session that did not subscribe heard nothing.
        assert.deepEqual(other.notifications(UPDATED), []);

        // 3. After unsubscribing, changes are no longer announced to it.
        assert.deepEqual(await sub.client.unsubscribeResource({ uri: NOTE }), {});
        const r3 = await other.client.callTool({
          name: 'set_note',
          arguments: { text: `after unsubscribe (${version})` },
        });
        assert.equal(resultText(r3), 'note set; 0 subscribed session(s) notified');
        assert.equal((await collectNotifications(sub, UPDATED, 3, { timeoutMs: 500, quietMs: 0 })).length, 2);

        // Where the requests went: the stream on A, everything else on B.
        assert.deepEqual([...new Set(sub.sent.filter((s) => s.http === 'GET').map((s) => s.node))], ['front-a']);
        const posts = (await allAnswered(sub)).filter((s) => s.http === 'POST');
        assert.ok(posts.some((s) => s.rpc === 'resources/subscribe'));
        for (const p of posts) assert.equal(p.node, 'front-b', `${p.rpc} to B`);
        assert.ok(
          posts.every((p) => p.status !== undefined && p.status < 300),
          JSON.stringify(posts.map((p) => [p.rpc, p.status])),
        );
      } finally {
        await sub.close();
        await other.close();
      }
    });
  }
});
