// What a worker knows of its hold on each job it runs. BullMQ renews every running job's lock at half the lock's
// duration; when renewals stop for a whole lock duration — the worker was paused (SIGSTOP, a long GC), partitioned,
// or Redis did not answer — the lock has expired in Redis and another worker may have taken the job over. From then
// on this attempt must not write (its appends would race the new attempt's) and its tool is aborted.
// performance.now() is monotonic and keeps counting while the process is stopped, so a resumed process sees at once
// how long it was gone.

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

export class JobLeases {
  private readonly renewedAt = new Map<string, number>();

  constructor(private readonly lockMs: number) {}

  /** The job's lock was just taken (the processor starts right after BullMQ moved it to active). */
  start(jobId: string): void {
    this.renewedAt.set(jobId, performance.now());
  }

  renewed(jobIds: string[]): void {
    const now = performance.now();
    for (const id of jobIds) if (this.renewedAt.has(id)) this.renewedAt.set(id, now);
  }

  end(jobId: string): void {
    this.renewedAt.delete(jobId);
  }

  /** False once the lock may have expired in Redis: no renewal for a whole lock duration. */
  held(jobId: string): boolean {
    const at = this.renewedAt.get(jobId);
    return at !== undefined && performance.now() - at < this.lockMs;
  }

  /** Jobs whose lock is presumed lost. */
  lost(): string[] {
    return [...this.renewedAt.keys()].filter((id) => !this.held(id));
  }
}
