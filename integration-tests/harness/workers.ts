// Which worker process runs a job: BullMQ's job hash names the worker that took it (`pb`; workers are named after
// their node id), so a fault test can kill exactly that one.
import assert from 'node:assert/strict';
import type { Fleet, WorkerNode } from './fleet.ts';
import { eventually } from './http.ts';

export async function workerRunning(fleet: Fleet, jobId: string, extra: WorkerNode[] = []): Promise<WorkerNode> {
  const redis = fleet.redisClient('workers');
  const name = await eventually(
    async () => {
      for (const q of fleet.queues()) {
        const pb = await redis.hget(`${fleet.keyPrefix}:bull:${q}:${jobId}`, 'pb');
        if (pb) return pb;
      }
      return undefined;
    },
    10_000,
    `job ${jobId} to be taken by a worker`,
  );
  const w = [...fleet.workers, ...extra].find((x) => x.nodeId === name);
  assert.ok(w, `worker ${name} is one of the fleet's`);
  return w;
}

/**
 * Resolves once the job is parked: back in BullMQ's delayed set, held by no worker (a call waiting for its client's
 * answer). Between the question reaching the client and the park there are a few milliseconds in which the worker
 * still holds the call; a worker killed then is a worker killed mid-call (docs/reliability.md).
 */
export async function parkedJob(fleet: Fleet, jobId: string): Promise<void> {
  const redis = fleet.redisClient('workers');
  await eventually(
    async () => {
      for (const q of fleet.queues()) {
        if ((await redis.zscore(`${fleet.keyPrefix}:bull:${q}:delayed`, jobId)) !== null) return true;
      }
      return undefined;
    },
    10_000,
    `job ${jobId} to be parked`,
  );
}
