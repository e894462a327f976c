import assert from 'node:assert/strict';
import { test } from 'node:test';
import { costsForShards, errorPct, predictFleet, predictPinned, predictUnpinned } from '../capacity-model.ts';

test('a fleet runs at the rate of its busiest kind, each kind spread over its instances', () => {
  const c = { front: 0.2, worker: 0.25, redis: 0.1 };
  assert.deepEqual(predictFleet(c, 1, 1, 1), { callsPerSec: 4000, bottleneck: 'worker' });
  assert.deepEqual(predictFleet(c, 1, 2, 1), { callsPerSec: 5000, bottleneck: 'front' });
  assert.equal(predictFleet(c, 8, 8, 1).bottleneck, 'redis');
  assert.equal(predictFleet(c, 8, 8, 1).callsPerSec, 10_000);
  assert.equal(predictFleet(c, 8, 8, 2).callsPerSec, 20_000);
});

test('processes pinned to one core add up there; the busiest core sets the rate', () => {
  const ms = { front: 0.3, worker: 0.2, 'redis-0': 0.1, client: 0.15 };
  const p = predictPinned(ms, [
    ['redis-0', 'client'],
    ['front', 'worker'],
  ]);
  assert.equal(p.bottleneck, 'core 1');
  assert.equal(p.callsPerSec, 2000);
  assert.deepEqual(
    p.coreMs.map((x) => +x.toFixed(2)),
    [0.25, 0.5],
  );
  assert.equal(predictPinned(ms, [Object.keys(ms), []]).callsPerSec, 1000 / 0.75);
  assert.throws(() => predictPinned(ms, [['redis-1']]), /no cost measured for process redis-1/);
});

test('unpinned processes share every core, but one event loop uses one core at most', () => {
  assert.deepEqual(predictUnpinned({ a: 0.3, b: 0.3, c: 0.2 }, 2), { callsPerSec: 2500, bottleneck: 'all 2 cores' });
  assert.deepEqual(predictUnpinned({ a: 0.5, b: 0.1 }, 2), { callsPerSec: 2000, bottleneck: 'a' });
});

test('more shards than measured take the costs of the largest measured count', () => {
  const one = { front: 0.2, worker: 0.2, redis: 0.2 };
  const three = { front: 0.3, worker: 0.3, redis: 0.4 };
  const m = new Map([
    [1, one],
    [3, three],
  ]);
  assert.equal(costsForShards(m, 2), one);
  assert.equal(costsForShards(m, 6), three);
  assert.equal(errorPct(110, 100).toFixed(6), '10.000000');
});
