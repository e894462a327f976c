// A worker's lease on a job counts from when Redis last vouched for the lock — when the take or the renewal was sent
// — not from when its reply was read. A process paused (here: its event loop blocked) with a renewal on the wire
// reads a successful reply afterwards, for a lock that has expired since: it must not take the job as still held.
// Against a real redis-server and BullMQ.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startRedis, type RunningRedis } from '@mcp-fleet/shared';
import { FleetWorker } from '../src/fleet-worker.ts';
import { JobLeases } from '../src/job-leases.ts';

const LOCK_MS = 400;
let redis: RunningRedis;
let connection: Redis;
let queue: Queue;
let worker: FleetWorker<{ n: number }>;

before(async () => {
  redis = await startRedis({ localOnly: true });
  connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  queue = new Queue('leases', { connection });
  // Manual processing (no processor): the test takes the job itself, and BullMQ's own renewal timer stays off.
  worker = new FleetWorker('leases', null, { connection, lockDuration: LOCK_MS, autorun: false });
});

after(async () => {
  await worker?.close();
  await queue?.close();
  connection?.disconnect();
  await redis?.stop();
});

/** Blocks this process's event loop for `ms`, as SIGSTOP or a long GC would. */
function pause(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: no callback, no reply, no timer runs meanwhile
  }
}

async function takeJob(token: string) {
  await queue.add('call', { n: 1 });
  const job = await worker.getNextJob(token);
  assert.ok(job?.id, 'a job was taken');
  return job;
}

test('a renewal whose reply is read after a pause longer than the lock does not keep the lease', async () => {
  const leases = new JobLeases(LOCK_MS);
  worker.onLocksExtended = (ids, sentAt) => leases.renewed(ids, sentAt);
  const job = await takeJob('t1');
  const lease = leases.start(job.id!, () => {}, job.processedOn);
  assert.equal(lease.held(), true);

  const renewal = worker.extendJobLocks([job.id!], ['t1'], LOCK_MS);
  // Paused once the renewal is on the wire (its write happens in the microtasks before this check-phase callback),
  // before its reply can be read (that needs the next poll phase).
  await new Promise<void>((resolve) =>
    setImmediate(() => {
      pause(LOCK_MS + 200);
      resolve();
    }),
  );
  assert.deepEqual(await renewal, [], 'Redis extended the lock (it did so before the pause ran out)');
  assert.equal(lease.held(), false, 'the lock it vouched for has expired by now');
  assert.equal(await connection.exists(`bull:leases:${job.id}:lock`), 0, 'and Redis agrees: the lock is gone');
  assert.deepEqual(leases.lost(), [job.id]);

  // A renewal without a pause keeps the lease as before.
  const fresh = leases.start(job.id!, () => {});
  await worker.extendJobLocks([job.id!], ['t1'], LOCK_MS);
  assert.equal(fresh.held(), true);
});

test('a lease starts when the job was taken, not when the processor got round to it', async () => {
  const leases = new JobLeases(LOCK_MS);
  const job = await takeJob('t2');
  pause(LOCK_MS + 200); // paused between the take's reply and the processor's start
  const lease = leases.start(job.id!, () => {}, job.processedOn);
  assert.equal(lease.held(), false);
  assert.deepEqual(leases.lost(), [job.id]);
});
