// Redis behind Sentinel (a master, a replica, 3 Sentinels; REDIS_MODE=sentinel, REDIS_WAIT_REPLICAS=1) with 2 front
// nodes and a worker as separate processes: the master is SIGKILLed while a call streams progress. The Sentinels
// promote the replica and the fleet follows by itself; the client sees every event once and in order, or an explicit
// error — never a silent gap, never a hang. The time until every front node is ready again is measured.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { connectClient } from './harness/client.ts';
import { startFleet, type Fleet } from './harness/fleet.ts';
import { sleep } from './harness/http.ts';

let fleet: Fleet;
before(async () => {
  fleet = await startFleet({ fronts: 2, workers: 1, redisSentinel: true, readyTimeoutMs: 30_000 });
});
after(async () => {
  await fleet?.stop();
});

async function readyAgain(started: number): Promise<number> {
  for (;;) {
    const states = await Promise.all(
      fleet.fronts.map((f) =>
        fetch(new URL('/readyz', f.url))
          .then((r) => r.status)
          .catch(() => 0),
      ),
    );
    if (states.every((s) => s === 200)) return performance.now() - started;
    if (performance.now() - started > 60_000) throw new Error(`not ready 60 s after the failover: ${states.join()}`);
    await sleep(100);
  }
}

test('master SIGKILLed mid-stream: promoted replica, every event once and in order (or an explicit error)', async () => {
  const TOTAL = 40;
  const c = await connectClient(fleet.front('a').url);
  const progress: number[] = [];
  try {
    const call = c.client.request(
      { method: 'tools/call', params: { name: 'count', arguments: { to: TOTAL, intervalMs: 100 } } },
      CallToolResultSchema,
      { onprogress: (p) => progress.push(p.progress), timeout: 60_000, resetTimeoutOnProgress: true },
    );
    const outcome = call.then(
      (r) => ({ ok: true as const, r }),
      (err: Error) => ({ ok: false as const, err }),
    );
    while (progress.length < 8) await sleep(20);
    const oldMaster = fleet.sentinels!.ports[0]!;
    const killedAt = performance.now();
    assert.equal(await fleet.sentinels!.killMaster(), oldMaster);
    const readyMs = await readyAgain(killedAt);
    const newMaster = await fleet.sentinels!.currentMaster();
    assert.notEqual(newMaster, oldMaster, 'the replica was promoted');
    const done = await outcome;
    const gaps = progress.filter((p, i) => p !== i + 1);
    console.log(
      `[sentinel] ready again ${Math.round(readyMs)} ms after the kill (master ${oldMaster} → ${newMaster}); ` +
        `progress ${progress.length}/${TOTAL}, outcome ${done.ok ? 'result' : `error: ${done.err.message}`}`,
    );
    assert.deepEqual(gaps, [], `progress in order with no gap or repeat: ${progress.join(',')}`);
    if (done.ok) {
      assert.equal(progress.length, TOTAL, 'a result means every event arrived');
      assert.match(JSON.stringify(done.r.content), new RegExp(`counted to ${TOTAL}`));
    } else {
      assert.match(done.err.message, /410|404|gone|lost|not found/i, 'an explicit error, not a silent end');
    }
    // And the fleet works on the new master.
    const echo = await c.client.callTool({ name: 'echo', arguments: { text: 'after failover' } });
    assert.deepEqual(echo.content, [{ type: 'text', text: 'after failover' }]);
  } finally {
    await c.close();
  }
});
