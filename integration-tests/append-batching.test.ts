// How a process's appends are batched (APPEND_BATCH_MAX, APPEND_BATCHES_IN_FLIGHT; shared/src/stream-appends.ts),
// against a real redis-server: appends made in one tick go as script calls of at most APPEND_BATCH_MAX each, and
// every append keeps its place and its own answer whatever the batching. NOTIFICATION_WRITE_BEHIND = 1 (every
// notification waits for its own write) still delivers a call's progress once each, in order.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import {
  FleetKeys,
  appendEvent,
  batchAppends,
  defineScripts,
  randomId,
  startRedis,
  type AppendArgs,
  type RunningRedis,
} from '@mcp-fleet/shared';
import { SseReader, frameMessage, openSession, post, rpcRequest, startFleet, type Fleet } from './harness/index.ts';

let redis: RunningRedis;
let probe: Redis;

before(async () => {
  redis = await startRedis({ localOnly: true });
  probe = new Redis(redis.url);
});

after(async () => {
  probe?.disconnect();
  await redis?.stop();
});

/** Script calls Redis ran so far (EVALSHA and EVAL, from INFO commandstats). */
async function scriptCalls(): Promise<number> {
  const text = (await probe.info('commandstats')) as string;
  let n = 0;
  for (const m of text.matchAll(/^cmdstat_(evalsha|eval):calls=(\d+)/gm)) n += Number(m[2]);
  return n;
}

/** `n` appends to one fresh stream, all made in the same tick, on a client batching as given (or by default). */
async function appendBurst(n: number, batching?: { maxBatch: number; inFlight: number }) {
  const client = new Redis(redis.url);
  defineScripts(client);
  if (batching) batchAppends(client, batching);
  const keys = new FleetKeys(`batching-${randomId(4)}`);
  const ref = { principal: 'anon', sessionId: randomId(8) };
  const streamId = randomId(8);
  const base: Omit<AppendArgs, 'data' | 'writerSeq'> = {
    stream: keys.stream(ref, streamId),
    meta: keys.streamMeta(ref, streamId),
    inflight: keys.inflight(ref),
    kind: 'message',
    writer: 'w1',
    maxLen: 1000,
    ttlMs: 60_000,
  };
  await client.hset(base.meta, 'seq', 0);
  await client.ping(); // the scripts are loaded by the first call of each; warm the connection first
  const before = await scriptCalls();
  const seqs = await Promise.all(
    Array.from({ length: n }, (_, i) => appendEvent(client, { ...base, data: `{"n":${i}}`, writerSeq: i + 1 })),
  );
  const calls = (await scriptCalls()) - before;
  // Each entry's fields are pairs: the event's data is the value of `m`.
  const dataOf = (fields: string[]) => fields.find((_, i) => i % 2 === 1 && fields[i - 1] === 'm');
  const stored = (await client.xrange(base.stream, '-', '+')).map(([, fields]) => dataOf(fields));
  client.disconnect();
  return { seqs, calls, stored };
}

describe('append batching', () => {
  test('by default, appends made in one tick go as one script call, each with its own seq, in order', async () => {
    const { seqs, calls, stored } = await appendBurst(10);
    assert.deepEqual(
      seqs,
      Array.from({ length: 10 }, (_, i) => i + 1),
    );
    assert.equal(calls, 1, 'one script call for the burst');
    assert.deepEqual(
      stored,
      Array.from({ length: 10 }, (_, i) => `{"n":${i}}`),
    );
  });

  test('APPEND_BATCH_MAX = 3: the same burst goes as script calls of at most 3, still in order', async () => {
    const { seqs, calls, stored } = await appendBurst(10, { maxBatch: 3, inFlight: 2 });
    assert.deepEqual(
      seqs,
      Array.from({ length: 10 }, (_, i) => i + 1),
    );
    assert.equal(calls, 4, '10 appends in calls of at most 3');
    assert.deepEqual(
      stored,
      Array.from({ length: 10 }, (_, i) => `{"n":${i}}`),
    );
  });
});

describe('NOTIFICATION_WRITE_BEHIND = 1', () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await startFleet({ fronts: 1, workers: 1, env: { NOTIFICATION_WRITE_BEHIND: '1' } });
  });
  after(async () => {
    await fleet?.stop();
  });

  test("each notification waits for its own write: a call's progress arrives once each, in order", async () => {
    const session = await openSession(fleet.front('a').url);
    const res = await post(
      fleet.front('a').url,
      rpcRequest(
        'tools/call',
        { name: 'count', arguments: { to: 30, intervalMs: 0 }, _meta: { progressToken: 'p' } },
        1,
      ),
      session.headers,
    );
    assert.equal(res.status, 200);
    const frames = await new SseReader(res).readToEnd(10_000);
    const messages = frames.map(frameMessage).filter((m): m is Record<string, unknown> => m !== undefined);
    const progress = messages
      .filter((m) => m.method === 'notifications/progress')
      .map((m) => (m.params as { progress: number }).progress);
    assert.deepEqual(
      progress,
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    assert.ok(
      messages.some((m) => m.id === 1 && m.result !== undefined),
      'the result came after the progress',
    );
  });
});
