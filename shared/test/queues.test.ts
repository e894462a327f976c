// Queue shards: outside a cluster the names are plain; over a cluster each is hash-tagged and the slots are spread,
// one per equal slot range, and a session's calls go to the queue of its own slot range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import calculateSlot from 'cluster-key-slot';
import { queueNames, queueOfSession } from '../src/queues.ts';

test('one shard outside a cluster is the base name; several are numbered', () => {
  assert.deepEqual(queueNames({ base: 'tools', shards: 1, cluster: false }), ['tools']);
  assert.deepEqual(queueNames({ base: 'tools', shards: 3, cluster: false }), ['tools-0', 'tools-1', 'tools-2']);
});

test('over a cluster: hash-tagged names whose slots fall one into each equal range', () => {
  for (const shards of [1, 2, 3, 5, 16]) {
    const names = queueNames({ base: 'tools', shards, cluster: true });
    assert.equal(names.length, shards);
    names.forEach((n, i) => {
      assert.match(n, /^\{tools(-\d+)?\}$/);
      const slot = calculateSlot(n.slice(1, -1));
      assert.ok(slot >= Math.floor((i * 16384) / shards) && slot < Math.floor(((i + 1) * 16384) / shards), `${n}`);
    });
  }
});

test("a session's queue is the one of its slot range, the same every time", () => {
  const l = { base: 'tools', shards: 3, cluster: true };
  const seen = new Set<string>();
  for (let i = 0; i < 300; i++) {
    const s = { principal: 'anon', sessionId: `s${i}` };
    const q = queueOfSession(l, s);
    assert.equal(queueOfSession(l, s), q);
    const range = Math.floor((calculateSlot(`anon:s${i}`) * 3) / 16384);
    assert.equal(q, queueNames(l)[range]);
    seen.add(q);
  }
  assert.equal(seen.size, 3);
});
