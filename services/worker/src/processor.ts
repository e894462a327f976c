// The BullMQ processor: runs a job and gives its call exactly one outcome on the call's stream — the result, a
// catalogued error, or (cancelled) the end with no response — or parks it while it waits for the client (the job
// gives its worker slot back and runs again when answered), or leaves the outcome to whoever recovers the job (its
// lock was lost; the worker shuts down). docs/reliability.md lists every case.
import { DelayedError, WaitingError, type Job, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  FleetError,
  announceTaskStatus,
  callMember,
  eraOf,
  isLogLevel,
  fleetMetrics,
  partialResultToken,
  streamTtlMs,
  type AuditLog,
  type CallSettlement,
  type CallJob,
  type CallOutcome,
  type FleetKeys,
} from '@mcp-fleet/shared';
import { outcomeOfResult, recordCallEnd } from './call-record.ts';
import { handlerContext, type ContextDeps } from './handler-context.ts';
import { callTool } from './handlers/call-tool.ts';
import { complete } from './handlers/complete.ts';
import { getPrompt } from './handlers/get-prompt.ts';
import { protocolErrorOf } from './handlers/protocol-error.ts';
import { readResource } from './handlers/read-resource.ts';
import { ABORT, LeaseLostError, type JobLeases } from './job-leases.ts';
import type { Pack } from './pack.ts';
import { PartialResults } from './partial-results.ts';
import { ParkSignal, Questions } from './questions.ts';
import { gateRun } from './run-gate.ts';
import { RunState } from './run-state.ts';
import type { ToolSlots } from './tool-slots.ts';
import { StreamWriter } from './stream-writer.ts';
import { withJobSpan } from './tracing.ts';

export interface ProcessorDeps {
  redis: Redis;
  keys: FleetKeys;
  log: Logger;
  pack: Pack;
  leases: JobLeases;
  context: ContextDeps;
  /** the BullMQ worker, to abort a job (its running writers) by id */
  worker: () => Worker<CallJob>;
  /** the writers of running jobs, for the stream keep-alive */
  writers: Map<string, StreamWriter>;
  /** the queue this worker serves */
  queue: string;
  slots: ToolSlots;
  /** JOB_MAX_STALLS */
  maxStalls: number;
  audit: AuditLog;
  /** the call no longer counts against its principal's calls in flight (a command of its own) */
  uncount: (job: Job<CallJob>) => void;
  /** Redis Cluster: the principal's calls are in another slot than the call's stream, so no script settles both */
  sharded: boolean;
  /** NOTIFICATION_WRITE_BEHIND */
  writeBehind: number;
}

/** How long a job taken again while its earlier attempt still ran here waits before it runs (that attempt ends). */
const HAND_BACK_MS = 200;

export function createProcessor(deps: ProcessorDeps) {
  const { log, pack, leases } = deps;
  return async (job: Job<CallJob>, token?: string, signal?: AbortSignal): Promise<void> => {
    const data = job.data;
    const jobId = job.id ?? data.jobId;
    // This worker still runs an earlier attempt of the job: it was paused past the job's lock and took the job again
    // as soon as it woke. BullMQ tracks one attempt per job id, so the two cannot run side by side: the earlier one
    // is aborted (it lost the job) and this one hands the job back for a moment; the next take runs it.
    const earlier = leases.running(jobId);
    if (earlier) {
      earlier.supersede();
      if (!token) throw new Error('cannot hand back a job without its lock token');
      log.warn({ jobId }, 'job taken again while its earlier attempt still ran here: that attempt stops');
      await job.moveToDelayed(Date.now() + HAND_BACK_MS, token);
      throw new DelayedError();
    }
    const run = new RunState(deps.redis, deps.keys, data, jobId);
    const start = await run.start(deps.queue);
    if (start.refused) {
      // Its stream was never opened for it (start-run-3.lua): the front node answered the client otherwise.
      log.debug({ jobId }, 'job refused: its stream was not opened for it');
      return;
    }
    if (start.done) {
      deps.uncount(job); // an earlier run answered; its worker may have died before the count was settled
      return;
    }
    // The level the session has now: the job carries the one its front node knew, maybe changed since elsewhere.
    if (start.sessionLogLevel && data.logLevel !== 'none') {
      const level = start.sessionLogLevel.level;
      data.logLevel = isLogLevel(level) ? level : undefined;
    }
    const attempt = start.attempt;
    // The first time a worker takes the job: how long it waited in the queue.
    if (job.attemptsStarted <= 1)
      fleetMetrics.queueWait(deps.queue, ((job.processedOn ?? Date.now()) - job.timestamp) / 1000);
    // This attempt's own signal (BullMQ's, per job id, may come to belong to a later attempt): BullMQ's aborts it,
    // and so does a later attempt of the job in this worker (JobLeases).
    const own = new AbortController();
    if (signal?.aborted) own.abort(signal.reason);
    else signal?.addEventListener('abort', () => own.abort(signal.reason), { once: true });
    const abort = own.signal;
    const fields = { jobId, method: data.method, target: data.target, session: data.session.sessionId, attempt };
    const lease = leases.start(jobId, (reason) => own.abort(reason), job.processedOn);
    // The answer's append settles the call (its run state, its count in the principal's quota) in the same script.
    const settlement: CallSettlement = {
      run: run.key,
      runTtlMs: streamTtlMs(data),
      ...(!deps.sharded && {
        calls: { key: deps.keys.principalCalls(data.session.principal), member: callMember(deps.queue, jobId) },
      }),
    };
    const guard = {
      attempt,
      held: () => lease.held(),
      gone: () => deps.worker().cancelJob(jobId, ABORT.streamGone),
    };
    const writer = new StreamWriter(deps.redis, deps.keys, data, guard, settlement, deps.writeBehind);
    // A task's questions wait as long as the task lives; a plain call's, SERVER_REQUEST_TIMEOUT_MS.
    const questionTimeoutMs = data.task
      ? Math.max(0, data.task.expiresAt - Date.now())
      : data.retention.serverRequestTimeoutMs;
    // A tool that cannot run again (a bridged server's open call) waits for answers in this run instead of parking.
    const waitForAnswers = toolOf(pack, data)?.questions === 'wait' ? abort : undefined;
    const questions = new Questions(data, writer, run, questionTimeoutMs, waitForAnswers);
    const task = data.task;
    if (task) {
      // Its client hears of every status change (2025-11-25: its session's GET stream; 2026-07-28: listen streams).
      const retention = { sessionTtlMs: data.retention.sessionTtlMs, maxEvents: data.retention.maxEvents };
      writer.onTaskStatus = () =>
        void announceTaskStatus(deps.redis, deps.keys, data.session, task.id, {
          session: task.session,
          retention,
        }).catch(() => {});
    }
    // 2026-07-28: a call to a tool with task support that is still running after the sync window becomes a task.
    const becomeTask =
      data.task && !data.task.announced
        ? setTimeout(() => {
            if (!questions.parking) void writer.announce().catch(() => {});
          }, data.task.syncWindowMs)
        : undefined;
    const partials = new PartialResults(
      writer,
      data.method === 'tools/call' ? partialResultToken(data.params) : undefined,
    );
    deps.writers.set(jobId, writer);
    // Set once this run gave the call its outcome: only then is the job's run state over. A run that parks, lost its
    // lock or handed the job back leaves it to the next run.
    let answered = false;
    let outcome: CallOutcome = 'ok';
    let traceId: string | undefined;
    try {
      if (start.cancelled) {
        // Cancelled while it was queued or parked: no response is sent (spec); a request's own stream ends.
        await partials.end(cancelledError(data));
        await writer.end();
        answered = true;
        outcome = 'cancelled';
        log.info(fields, 'call cancelled before it ran again');
        return;
      }
      if (attempt > 1 && !isIdempotent(pack, data)) {
        // A re-run after the attempt before it stopped (its worker died, paused past its lock, or shut down).
        // Running a non-idempotent tool again could do its side effects twice, so the caller gets a clear error.
        log.warn(fields, 'interrupted call not retried: tool is not idempotent');
        await partials.end();
        await writer.result(interrupted(data.target, 'its worker stopped'));
        answered = true;
        outcome = 'interrupted';
        return;
      }
      const gate = await gateRun(deps, run, jobId, attempt, toolOf(pack, data));
      if (gate.kind === 'wait') {
        log.debug({ ...fields, why: gate.why, until: new Date(gate.until).toISOString() }, 'call waits');
        await wait(gate.until);
      }
      if (gate.kind === 'exhausted') {
        log.warn(fields, 'call not run again: its retries are used up');
        await partials.end();
        await writer.result(gate.result);
        answered = true;
        outcome = outcomeOfResult(gate.result);
        return;
      }
      await withJobSpan(data, async (span) => {
        traceId = span.spanContext().traceId;
        let result: unknown;
        let failure: { err: unknown } | undefined;
        try {
          const broadcastsToFleet =
            data.method === 'tools/call' && pack.tools.find((t) => t.name === data.target)?.broadcast === 'fleet';
          const parts = { writer, partials, signal: abort, questions, run, broadcastsToFleet };
          const ctx = handlerContext(data, parts, deps.context);
          result = await runHandler(data, pack, ctx);
        } catch (err) {
          failure = { err };
        }
        // A question is waiting for its answer: whatever the handler did after asking, this run ends here.
        if (questions.parking) throw new ParkSignal();
        if (failure) throw failure.err;
        if (abort.aborted) throw abort.reason;
        await partials.end();
        await writer.result(result);
        answered = true;
        outcome = outcomeOfResult(result);
        if (log.isLevelEnabled('debug')) log.debug({ ...fields, traceId: span.spanContext().traceId }, 'call done');
      });
    } catch (err) {
      if (err instanceof ParkSignal || questions.parking) await park();
      outcome = await settle(err); // returns only when it gave the call its outcome
      answered = true;
    } finally {
      // Recorded first: the caller may already have its answer.
      if (answered) recordCallEnd(deps.audit, { job: data, timestamp: job.timestamp, attempt, outcome, traceId });
      clearTimeout(becomeTask);
      leases.end(jobId, lease);
      await deps.slots.release(jobId);
      deps.writers.delete(jobId);
      // Settled by the answer's append, unless there was none from this run (the stream was gone, or a duplicate).
      if (answered && !writer.settled) await run.finish().catch(() => {});
      if (answered && !(writer.settled && settlement.calls)) deps.uncount(job);
    }

    /** Back to the queue until `until`, holding no worker; the next run is the same attempt. */
    async function wait(until: number): Promise<never> {
      if (!token) throw new Error('cannot delay a job without its lock token');
      await run.park(until);
      await job.moveToDelayed(until, token);
      throw new DelayedError();
    }

    /** Gives the worker slot back until an answer (or the deadline) wakes the job; throws BullMQ's DelayedError. */
    async function park(): Promise<never> {
      await questions.settled();
      const waiting = questions.parking!;
      if (!token) throw new Error('cannot park a job without its lock token');
      await run.park(waiting.until);
      await job.moveToDelayed(waiting.until, token);
      // An answer that arrived before the job was delayed found nothing to wake: wake it now.
      if (await run.hasNews(waiting.ids)) await job.promote().catch(() => {});
      log.debug({ ...fields, waiting: waiting.ids, until: new Date(waiting.until).toISOString() }, 'call parked');
      throw new DelayedError();
    }

    /** Gives the call its outcome after `err`, and says which; throws when another run owns the outcome. */
    async function settle(err: unknown): Promise<CallOutcome> {
      if (err instanceof DelayedError) throw err;
      const reason = abort.aborted ? abort.reason : undefined;
      if (err instanceof LeaseLostError || reason === ABORT.leaseLost) {
        // Another attempt owns the outcome now (BullMQ's stall check re-queues the job); this one writes nothing.
        // If the lock was in fact still ours (renewals were only late), the job goes back to the queue rather than
        // failing, so a next attempt still gives the call its outcome; moveToWait refuses when the lock is gone.
        log.warn(fields, 'job lock presumed lost: the attempt stops without an outcome');
        const handedBack = token !== undefined && (await job.moveToWait(token).catch(() => false)) !== false;
        if (handedBack) throw new WaitingError();
        throw err instanceof Error ? err : new LeaseLostError();
      }
      if (reason === ABORT.streamGone) {
        log.info(fields, 'call stream gone: nobody can read the outcome; the job stops');
        return 'cancelled';
      }
      if (reason === ABORT.shutdown) {
        if (isIdempotent(pack, data) && token) {
          // Handed back at once (not via stall detection): another worker runs it again.
          await job.moveToWait(token);
          log.info(fields, 'shutdown: call handed back to the queue');
          throw new WaitingError();
        }
        await partials.end();
        await writer.result(interrupted(data.target, 'its worker shut down'));
        log.warn(fields, 'shutdown: non-idempotent call answered as interrupted');
        return 'interrupted';
      }
      if (reason !== undefined) {
        // Cancelled: no response is sent for the request (spec); a request's own stream ends so its readers close.
        await partials.end(cancelledError(data));
        await writer.end();
        log.info({ ...fields, tool: data.target }, 'tool call cancelled');
        return 'cancelled';
      }
      const protocolError = protocolErrorOf(err, data);
      if (protocolError) {
        await partials.end(protocolError.toJsonRpc(data.requestId).error);
        await writer.error(protocolError);
        return 'error';
      }
      log.warn({ ...fields, err: (err as Error)?.message }, 'handler threw');
      const what = `${data.method} ${data.target}`;
      const failed = new FleetError('HANDLER_FAILED', {
        args: [what, (err as Error)?.message ?? String(err)],
        era: writer.era,
      });
      await partials.end(failed.toJsonRpc(data.requestId).error);
      await writer.error(failed);
      return 'error';
    }
  };
}

function runHandler(job: CallJob, pack: Pack, ctx: ReturnType<typeof handlerContext>): Promise<unknown> {
  switch (job.method) {
    case 'tools/call':
      return callTool(job, pack, ctx);
    case 'resources/read':
      return readResource(job, pack, ctx);
    case 'prompts/get':
      return getPrompt(job, pack, ctx);
    case 'completion/complete':
      return complete(job, pack);
  }
}

function toolOf(pack: Pack, job: CallJob) {
  return job.method === 'tools/call' ? pack.tools.find((t) => t.name === job.target) : undefined;
}

/** Reading a resource, getting a prompt or completing is safe to repeat; a tool says so with idempotentHint. */
export function isIdempotent(pack: Pack, job: CallJob): boolean {
  if (job.method !== 'tools/call') return true;
  return pack.tools.find((t) => t.name === job.target)?.annotations?.idempotentHint === true;
}

export function errorResult(text: string) {
  return { isError: true, content: [{ type: 'text', text }] };
}

/** The error chunk that ends a cancelled call's partial results. */
function cancelledError(job: CallJob) {
  const what = `${job.method} ${job.target}`;
  return new FleetError('CALL_NOT_ANSWERED', {
    args: [what, 'it was cancelled'],
    era: eraOf(job.protocolVersion),
  }).toJsonRpc(job.requestId).error;
}

function interrupted(target: string, why: string) {
  return errorResult(
    `Tool ${target} was interrupted (${why}) and is not idempotent, so it was not run again; ` +
      'it may or may not have had its effect: check, and call it again if that is safe',
  );
}
