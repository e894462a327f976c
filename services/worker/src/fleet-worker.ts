// BullMQ's Worker, fetching without the probe it makes after each job it takes. Taking a job re-adds the queue's
// wake-up marker (so other workers look too); BullMQ's main loop then asks for the next job at once, and — when
// that finds the queue empty — waits on the marker it just re-added, which answers at once, and asks again: two
// empty `moveToActive` scripts per job on an idle-ish queue (measured: 3 per call, bench "Redis commands").
// Treating the queue as drained after each take sends the next ask to the marker first: one empty look per job,
// never a missed one (every take and every added job leaves the marker, so the wait returns whenever there may
// be work). Jobs a worker chains on completion (moveToFinished's fetch-next) are unaffected.
import { type Job, Worker } from 'bullmq';

export class FleetWorker<Data> extends Worker<Data> {
  protected override async moveToActive(token: string, name?: string): Promise<Job<Data>> {
    const job = await super.moveToActive(token, name);
    // `drained` is BullMQ's own flag (private in its types, set by its main loop when a look found nothing).
    if (job) (this as unknown as { drained: boolean }).drained = true;
    return job;
  }
}
