// BullMQ's Worker, with two changes of how it is used:
// - Fetching without the probe it makes after each job it takes. Taking a job re-adds the queue's wake-up marker
//   (so other workers look too); BullMQ's main loop then asks for the next job at once, and — when that finds the
//   queue empty — waits on the marker it just re-added, which answers at once, and asks again: two empty
//   `moveToActive` scripts per job on an idle-ish queue (measured: 3 per call, bench "Redis commands"). Treating the
//   queue as drained after each take sends the next ask to the marker first: one empty look per job, never a missed
//   one (every take and every added job leaves the marker, so the wait returns whenever there may be work). Jobs a
//   worker chains on completion (moveToFinished's fetch-next) are unaffected.
// - Lock renewals say when they were sent. BullMQ's `locksRenewed` event comes when the reply is read, which after
//   a pause (SIGSTOP, a long GC) can be a whole lock duration after Redis extended the lock: the lock may have
//   expired since. A renewal vouches for the lock from when it was sent (Redis extended it no earlier), so that is
//   the time JobLeases counts from.
import { type Job, Worker } from 'bullmq';

export class FleetWorker<Data> extends Worker<Data> {
  /** The locks of `jobIds` were extended by a renewal sent at `sentAt` (performance.now()). */
  onLocksExtended?: (jobIds: string[], sentAt: number) => void;

  protected override async moveToActive(token: string, name?: string): Promise<Job<Data>> {
    const job = await super.moveToActive(token, name);
    // `drained` is BullMQ's own flag (private in its types, set by its main loop when a look found nothing).
    if (job) (this as unknown as { drained: boolean }).drained = true;
    return job;
  }

  override async extendJobLocks(jobIds: string[], tokens: string[], duration: number): Promise<string[]> {
    const sentAt = performance.now();
    const failed = await super.extendJobLocks(jobIds, tokens, duration);
    const extended = failed.length === 0 ? jobIds : jobIds.filter((id) => !failed.includes(id));
    if (extended.length > 0) this.onLocksExtended?.(extended, sentAt);
    return failed;
  }
}
