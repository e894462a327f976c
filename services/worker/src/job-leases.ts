// What a worker knows of its hold on each job it runs. BullMQ renews every running job's lock at half the lock's
// duration; when renewals stop for a whole lock duration — the worker was paused (SIGSTOP, a long GC), partitioned,
// or Redis did not answer — the lock has expired in Redis and another worker may have taken the job over. From then
// on this attempt must not write (its appends would race the new attempt's) and its tool is aborted.
// performance.now() is monotonic and keeps counting while the process is stopped, so a resumed process sees at once
// how long it was gone. A lease counts from when the lock was last vouched for in Redis — when the take or the renewal
// was sent, not when its reply was read: a reply read after a pause vouches for a lock that may have expired since.

/** Why a running job was aborted, as the processor tells its outcomes apart. */
export const ABORT = {
  cancelled: 'cancelled by the client',
  leaseLost: 'the job lock was lost (worker paused, partitioned or Redis unreachable); another worker recovers it',
  streamGone: 'the call stream no longer exists (session ended, or Redis lost it): nobody can read the outcome',
  shutdown: 'the worker is shutting down',
} as const;

export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor() {
    super(ABORT.leaseLost);
  }
}

/** One attempt's hold on its job: renewed with the job's lock, lost when renewals stop or a later attempt took over. */
export class JobLease {
  private superseded = false;
  constructor(
    private readonly lockMs: number,
    /** aborts this attempt's tool and writes */
    private readonly abort: (reason: string) => void,
    /** performance.now() when the lock was taken (or last renewed) */
    public renewedAt: number,
  ) {}

  /** False once the lock may have expired in Redis (no renewal for a whole lock duration), or a later attempt began. */
  held(): boolean {
    return !this.superseded && performance.now() - this.renewedAt < this.lockMs;
  }

  /** A later attempt of the job began in this worker: this one lost the job (its lock expired first). */
  supersede(): void {
    this.superseded = true;
    this.abort(ABORT.leaseLost);
  }
}

/**
 * The leases of the attempts running here, by job. BullMQ tracks a running job by its id only (its lock renewals,
 * its abort signal), so when this worker takes a job again while an earlier attempt still runs — it was paused past
 * its lock and its own wait on the queue answered first — the earlier attempt is superseded here: aborted, no longer
 * held, and never able to end the later one's lease.
 */
export class JobLeases {
  private readonly current = new Map<string, JobLease>();

  constructor(private readonly lockMs: number) {}

  /** The attempt running here for the job, if any. */
  running(jobId: string): JobLease | undefined {
    return this.current.get(jobId);
  }

  /**
   * An attempt's lock was taken at `takenAt` (ms since the epoch: BullMQ's `processedOn`, which the take's script
   * stores from this worker's own clock as it sent the take). The processor starts after the take's reply and
   * start-run's round trip, later still after a pause.
   */
  start(jobId: string, abort: (reason: string) => void, takenAt = Date.now()): JobLease {
    const since = Math.max(0, Date.now() - takenAt);
    const lease = new JobLease(this.lockMs, abort, performance.now() - since);
    this.current.get(jobId)?.supersede();
    this.current.set(jobId, lease);
    return lease;
  }

  /** A renewal sent at `sentAt` (performance.now()) extended the locks of `jobIds`. */
  renewed(jobIds: string[], sentAt = performance.now()): void {
    for (const id of jobIds) {
      const lease = this.current.get(id);
      if (lease && sentAt > lease.renewedAt) lease.renewedAt = sentAt;
    }
  }

  /** The attempt ended: its lease goes, unless a later attempt holds the job now. */
  end(jobId: string, lease: JobLease): void {
    if (this.current.get(jobId) === lease) this.current.delete(jobId);
  }

  /** Jobs whose running attempt's lock is presumed lost. */
  lost(): string[] {
    return [...this.current].filter(([, lease]) => !lease.held()).map(([id]) => id);
  }
}
