// Warm-up: every server (and the load client) runs the echo path a while before anything is measured, so JIT
// compilation, connection set-up and first-call caches are out of the figures.
import { targetsWithFloor, type Ctx } from '../context.ts';
import { initializedClients, pool, runPool } from '../load.ts';

export async function warmup(ctx: Ctx): Promise<void> {
  const calls = ctx.quick ? 400 : 2000;
  const lanes = 8;
  for (const target of targetsWithFloor(ctx)) {
    const p = pool(target.origin, lanes);
    try {
      const clients = await initializedClients(target, p, lanes);
      let done = 0;
      await runPool(calls, lanes, async (i) => {
        await clients[i % lanes]!.call('echo', { text: `warm-up ${i}` });
        ctx.progress.set(`warm-up ${target.label}`, `${++done}/${calls}`);
      });
      await Promise.all(clients.map((c) => c.close()));
    } finally {
      await p.close();
    }
  }
}
