// What a Redis Cluster deployment looks like from Redis (3 masters, 2 front nodes, a worker): wake-ups on sharded
// channels in the sessions' slots (none on classic pub/sub), the work spread over 3 queues on 3 different masters,
// and a front node's connections one per shard however many streams it serves.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import calculateSlot from 'cluster-key-slot';
import { Redis } from 'ioredis';
import { startFleet, type Fleet } from './harness/fleet.ts';
import { SseReader, getStream, openSession, post, rpcRequest } from './harness/http.ts';
import { clientList } from './harness/redis-clients.ts';

// Read by startFleet: a 3-master Redis Cluster, the fleet in cluster mode with 3 queues.
process.env.FLEET_REDIS = 'cluster';

let fleet: Fleet;
const nodes: Redis[] = [];
before(async () => {
  fleet = await startFleet({ fronts: 2, workers: 1 });
  for (const port of (fleet.redis as unknown as { ports: number[] }).ports) {
    const r = new Redis(port, '127.0.0.1', { connectionName: 'test:layout' });
    nodes.push(r);
  }
});
after(async () => {
  for (const n of nodes) n.disconnect();
  await fleet?.stop();
});

/** The master owning a slot, by its port. */
async function ownerOf(slot: number): Promise<number> {
  const slots = (await nodes[0]!.cluster('SLOTS')) as unknown as [number, number, [string, number]][];
  const range = slots.find(([from, to]) => slot >= from && slot <= to)!;
  return range[2][1];
}

test('3 queues on 3 different masters; calls of many sessions reach all of them', async () => {
  const queues = fleet.queues();
  assert.equal(queues.length, 3);
  const owners = await Promise.all(queues.map((q) => ownerOf(calculateSlot(q.slice(1, -1)))));
  assert.equal(new Set(owners).size, 3, `queues ${queues.join()} on masters ${owners.join()}`);
  const url = fleet.front('a').url;
  const redis = fleet.redisClient('layout');
  const issued = () => Promise.all(queues.map((q) => redis.get(`${fleet.keyPrefix}:bull:${q}:id`)));
  // Sessions hash to queues at random: 12 leave a queue empty about 2% of the time, so calls go on (up to 60)
  // until every queue has had one.
  let done = await issued();
  for (let i = 0; i < 60 && (i < 12 || !done.every((n) => Number(n) >= 1)); i++) {
    const s = await openSession(url);
    const res = await post(url, rpcRequest('tools/call', { name: 'echo', arguments: { text: `s${i}` } }), {
      ...s.headers,
      accept: 'application/json',
    });
    assert.equal(res.status, 200);
    done = await issued();
  }
  assert.ok(
    done.every((n) => Number(n) >= 1),
    `jobs per queue (ids issued): ${done.join()}`,
  );
});

test('wake-ups are sharded: subscribed per session slot while served, no classic channel; connections per shard', async () => {
  const url = fleet.front('b').url;
  const ctl = new AbortController();
  const readers: SseReader[] = [];
  for (let i = 0; i < 30; i++) {
    const s = await openSession(url);
    readers.push(new SseReader(await getStream(url, s, undefined, ctl.signal)));
  }
  try {
    for (const r of readers) await r.next(5000); // the priming event: each stream is being served
    const shard = (await Promise.all(
      nodes.map((n) => n.pubsub('SHARDCHANNELS', `${fleet.keyPrefix}:*:wake:front-b`)),
    )) as string[][];
    const classic = (await Promise.all(
      nodes.map((n) => n.pubsub('CHANNELS', `${fleet.keyPrefix}:node:*`)),
    )) as string[][];
    assert.ok(shard.flat().length >= 30, `sharded wake channels: ${shard.flat().length}`);
    assert.ok(
      shard.every((c) => c.length > 0),
      'on every master',
    );
    assert.equal(classic.flat().length, 0, 'no per-node classic channel');
    // front-b's connections to each master: its command connection and its sharded subscriber, whatever the streams.
    for (const n of nodes) {
      const mine = (await clientList(n)).filter((c) => c.name.startsWith('front:front-b:'));
      assert.ok(
        mine.length >= 1 && mine.length <= 3,
        `front-b holds ${mine.length} connections to one master (${mine.map((c) => c.name).join()})`,
      );
    }
  } finally {
    ctl.abort();
  }
});
