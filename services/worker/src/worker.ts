// A worker process: runs calls from BullMQ (tools, resources, prompts, completions), writes their messages to the
// session streams, and aborts a job when any front node broadcasts its cancellation (worker.cancelJob reaches only
// this process's jobs), when its lock may have been taken over, or when its stream is gone.
import { Job, type Worker } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import {
  AuditLog,
  FleetError,
  FleetKeys,
  callMember,
  createLogger,
  batchAppends,
  createRedis,
  fleetIncidents,
  fleetMetrics,
  queueNames,
  randomId,
  redisTarget,
  tracingEnabled,
  type CallJob,
  type FleetConfig,
} from '@mcp-fleet/shared';
import { recordCallEnd } from './call-record.ts';
import { CatalogPublisher } from './catalog-publisher.ts';
import { FleetWorker } from './fleet-worker.ts';
import { ABORT, JobLeases } from './job-leases.ts';
import { loadPacks, type ToolPack } from './pack.ts';
import { createProcessor, errorResult } from './processor.ts';
import { StreamWriter } from './stream-writer.ts';
import { ToolSlots } from './tool-slots.ts';

export interface RunningWorker {
  workerId: string;
  /** Publishes the catalog again after a pack changed its arrays outside any call (ctx.catalogChanged inside one). */
  catalogChanged(): Promise<void>;
  close(): Promise<void>;
}

/**
 * How often a worker looks for jobs whose lock it lost, and for silent calls whose stream TTL wants a refresh. After
 * a pause every overdue timer fires in order of when it was due: the shorter this, the fewer tool timers due in the
 * same window can run before the sweep has aborted an attempt whose lock is gone (the look costs a map walk).
 */
const SWEEP_MS = 250;

export async function startWorker(config: FleetConfig, extraPacks: ToolPack[] = []): Promise<RunningWorker> {
  if (!config.REDIS_URL) throw new Error('REDIS_URL is required for a worker');
  const workerId = config.NODE_ID ?? `worker-${randomId(4)}`;
  const log = createLogger('worker', config.LOG_LEVEL, workerId);
  fleetMetrics.setNode(workerId);
  const audit = AuditLog.create(config, 'worker', workerId);
  const keys = new FleetKeys(config.KEY_PREFIX);
  const pack = await loadPacks(config.TOOL_PACKS, extraPacks);
  const timeouts = {
    commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
    waitReplicas: config.REDIS_WAIT_REPLICAS,
    waitTimeoutMs: config.REDIS_WAIT_TIMEOUT_MS,
  };

  const target = redisTarget(config);
  const redis = createRedis(target, 'writer', `worker:${workerId}:cmd`, log, timeouts);
  const subscriber = createRedis(target, 'subscriber', `worker:${workerId}:sub`, log);
  batchAppends(redis, { maxBatch: config.APPEND_BATCH_MAX, inFlight: config.APPEND_BATCHES_IN_FLIGHT });
  // Calls that end badly show in the operator console's recent errors.
  fleetIncidents.start(redis, keys, workerId);
  const catalog = new CatalogPublisher(redis, keys, workerId, config.QUEUE, pack, config.CATALOG_HEARTBEAT_MS);
  const leases = new JobLeases(config.JOB_LOCK_MS);
  const writers = new Map<string, StreamWriter>();
  // A tool's slot claim outlives two lock periods unrenewed: a dead worker's slots come back about as fast as its calls.
  const slots = new ToolSlots(redis, keys, 2 * config.JOB_LOCK_MS);
  // One BullMQ Worker per queue shard (QUEUE_SHARDS), sharing this process's connections and slots. Each gets an
  // even part of WORKER_CONCURRENCY, so the process runs as many calls at once however many shards there are.
  const queues = queueNames({
    base: config.QUEUE,
    shards: config.QUEUE_SHARDS,
    cluster: config.REDIS_MODE === 'cluster',
  });
  const concurrency = Math.max(1, Math.ceil(config.WORKER_CONCURRENCY / queues.length));
  const serveQueue = (queue: string): Worker<CallJob> => {
    // The processor reaches the worker it runs in (to abort a job by id), created below.
    let worker: FleetWorker<CallJob>;
    const processor = createProcessor({
      redis,
      keys,
      log,
      pack,
      leases,
      writers,
      worker: () => worker,
      queue,
      slots,
      maxStalls: config.JOB_MAX_STALLS,
      audit,
      context: { redis, keys, catalogChanged: () => catalog.changed() },
      uncount: (job) => uncount(job),
      sharded: config.REDIS_MODE === 'cluster',
      writeBehind: config.NOTIFICATION_WRITE_BEHIND,
    });

    worker = new FleetWorker<CallJob>(queue, processor, {
      connection: createRedis(target, 'bullmq', `worker:${workerId}:bullmq`, log),
      prefix: keys.bullPrefix(),
      // Named, so a job's hash says which worker runs it (`pb`): operators (and fault tests) can tell.
      name: workerId,
      concurrency,
      lockDuration: config.JOB_LOCK_MS,
      stalledInterval: config.JOB_STALLED_CHECK_MS,
      maxStalledCount: config.JOB_MAX_STALLS,
      autorun: false,
      // With tracing on, each job runs inside BullMQ's `process` span, a child of the front node's enqueue.
      ...(tracingEnabled() && { telemetry: new BullMQOtel({ tracerName: 'mcp-fleet' }) }),
    });
    worker.on('error', (err) => log.warn({ err: err.message }, 'worker error'));
    // A call that ended no longer counts against its caller's in-flight quota (MAX_CALLS_IN_FLIGHT_PER_PRINCIPAL).
    const uncount = (job: Job<CallJob> | undefined) => {
      if (!job?.id) return;
      redis.zrem(keys.principalCalls(job.data.session.principal), callMember(queue, job.id)).catch(() => {});
    };
    worker.onLocksExtended = (jobIds, sentAt) => leases.renewed(jobIds, sentAt);
    // The lock is gone in Redis (taken over, or expired while this process was paused): abort the attempt now.
    worker.on('lockRenewalFailed', (jobIds) => {
      for (const id of jobIds) worker.cancelJob(id, ABORT.leaseLost);
    });
    // A job that stalled more often than BullMQ allows is failed inside a Lua script, where no processor sees it:
    // answer its caller here, or the client would wait forever. The done flag makes this a no-op if it was answered.
    worker.on('stalled', (jobId) => {
      void (async () => {
        const job = await Job.fromId<CallJob>(worker, jobId);
        if (!job || !(await job.isFailed())) return;
        uncount(job);
        log.warn({ jobId, target: job.data.target }, 'call failed: its workers stopped repeatedly');
        const answered = await new StreamWriter(redis, keys, job.data).result(
          errorResult(`${job.data.target} failed: the workers running it stopped repeatedly`),
        );
        const attempt = job.attemptsStarted;
        if (answered) recordCallEnd(audit, { job: job.data, timestamp: job.timestamp, attempt, outcome: 'tool_error' });
      })().catch((err: Error) => log.warn({ jobId, err: err.message }, 'could not answer a stalled call'));
    });

    // A job BullMQ failed while this worker still held it (the processor threw where it meant to leave the outcome to
    // another attempt, or writing the outcome itself failed): no other attempt will come, so answer the caller here.
    worker.on('failed', (job, err) => {
      if (!job) return;
      uncount(job);
      log.warn({ jobId: job.id, target: job.data.target, err: err.message }, 'call failed without an outcome');
      const what = `${job.data.method} ${job.data.target}`;
      const writer = new StreamWriter(redis, keys, job.data);
      void writer
        .error(new FleetError('HANDLER_FAILED', { args: [what, err.message], era: writer.era }))
        .then((answered) => {
          const attempt = job.attemptsStarted;
          if (answered) recordCallEnd(audit, { job: job.data, timestamp: job.timestamp, attempt, outcome: 'error' });
        })
        .catch((e: Error) => log.warn({ jobId: job.id, err: e.message }, 'could not answer a failed call'));
    });
    return worker;
  };
  const workers = queues.map(serveQueue);
  const cancelJob = (id: string, reason: string) => workers.some((w) => w.cancelJob(id, reason));

  // One timer for every running job: abort attempts whose lock may have been taken over (a paused process learns it
  // here, before its tool writes anything), and keep the streams of silent calls from expiring under them.
  let slotsRenewedAt = performance.now();
  const sweep = setInterval(() => {
    for (const id of leases.lost()) cancelJob(id, ABORT.leaseLost);
    if (performance.now() - slotsRenewedAt > config.JOB_LOCK_MS / 2) {
      slotsRenewedAt = performance.now();
      void slots.renew();
    }
    const now = performance.now();
    for (const w of writers.values()) {
      if (now - w.lastWriteAt > w.ttlMs / 4) void w.keepAlive().catch(() => {});
    }
  }, SWEEP_MS);
  sweep.unref();

  // Over a Redis Cluster the cancel channel is sharded (SSUBSCRIBE): one shard carries it, not every node.
  const sharded = config.REDIS_MODE === 'cluster';
  subscriber.on(sharded ? 'smessage' : 'message', (channel: string, jobId: string) => {
    if (channel === keys.cancelChannel() && cancelJob(jobId, ABORT.cancelled)) {
      log.debug({ jobId }, 'cancel delivered');
    }
  });
  if (sharded) await subscriber.ssubscribe(keys.cancelChannel());
  else await subscriber.subscribe(keys.cancelChannel());
  await catalog.start();
  // After a reconnect, publish the catalog again at once: Redis may have lost it (a restart without persistence),
  // and front nodes must not answer "unknown tool" until the next heartbeat.
  redis.on('ready', () => void catalog.changed().catch(() => {}));
  for (const w of workers) void w.run();
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  log.info({ tools: pack.tools.map((t) => t.name), queue: config.QUEUE, queues }, 'worker ready');

  return {
    workerId,
    catalogChanged: () => catalog.changed(),
    /**
     * Drains: takes no more jobs, lets running ones finish for WORKER_SHUTDOWN_GRACE_MS, then aborts the rest —
     * idempotent calls go back to the queue at once, the others are answered as interrupted.
     */
    async close() {
      const started = performance.now();
      await catalog.stop().catch(() => {});
      fleetIncidents.stop();
      const grace = setTimeout(() => {
        if (writers.size) log.info({ running: writers.size }, 'shutdown grace over: handing back running calls');
        for (const w of workers) w.cancelAllJobs(ABORT.shutdown);
      }, config.WORKER_SHUTDOWN_GRACE_MS);
      await Promise.all(workers.map((w) => w.close()));
      clearTimeout(grace);
      clearInterval(sweep);
      log.info({ ms: Math.round(performance.now() - started) }, 'worker closed');
      audit.flush();
      redis.disconnect();
      subscriber.disconnect();
    },
  };
}
