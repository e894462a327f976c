// A worker process: runs calls from BullMQ (tools, resources, prompts, completions), writes their messages to the
// session streams, and aborts a job when any front node broadcasts its cancellation (worker.cancelJob reaches only
// this process's jobs).
import { Job, Worker } from 'bullmq';
import {
  FleetError,
  FleetKeys,
  createLogger,
  createRedis,
  randomId,
  type CallJob,
  type FleetConfig,
} from '@mcp-fleet/shared';
import { CatalogPublisher } from './catalog-publisher.ts';
import { handlerContext } from './handler-context.ts';
import { callTool } from './handlers/call-tool.ts';
import { complete } from './handlers/complete.ts';
import { getPrompt } from './handlers/get-prompt.ts';
import { protocolErrorOf } from './handlers/protocol-error.ts';
import { readResource } from './handlers/read-resource.ts';
import { loadPacks, type Pack, type ToolPack } from './pack.ts';
import { ServerRequests } from './server-requests.ts';
import { StreamWriter } from './stream-writer.ts';
import { withJobSpan } from './tracing.ts';

export interface RunningWorker {
  workerId: string;
  close(): Promise<void>;
}

export async function startWorker(config: FleetConfig, extraPacks: ToolPack[] = []): Promise<RunningWorker> {
  if (!config.REDIS_URL) throw new Error('REDIS_URL is required for a worker');
  const workerId = config.NODE_ID ?? `worker-${randomId(4)}`;
  const log = createLogger('worker', config.LOG_LEVEL, workerId);
  const keys = new FleetKeys(config.KEY_PREFIX);
  const pack = await loadPacks(config.TOOL_PACKS, extraPacks);

  const redis = createRedis(config.REDIS_URL, 'command', `worker:${workerId}:cmd`, log);
  const subscriber = createRedis(config.REDIS_URL, 'subscriber', `worker:${workerId}:sub`, log);
  const requests = new ServerRequests(redis, subscriber, keys, log);
  const catalog = new CatalogPublisher(redis, keys, workerId, config.QUEUE, pack, config.CATALOG_HEARTBEAT_MS);
  const contextDeps = { redis, keys, requests, catalogChanged: () => catalog.changed() };

  const processor = async (job: Job<CallJob>, _token?: string, signal?: AbortSignal) => {
    const data = job.data;
    const writer = new StreamWriter(redis, keys, data);
    const abort = signal ?? new AbortController().signal;
    const fields = { jobId: job.id, method: data.method, target: data.target, session: data.session.sessionId };
    if ((job.attemptsStarted ?? 1) > 1 && !isIdempotent(pack, data)) {
      // A re-run after the first worker died (BullMQ stalled job). Running a non-idempotent tool twice could do its
      // side effects twice, so the caller gets a clear error instead (docs/architecture.md, "Failures").
      log.warn(fields, 'stalled call not retried: tool is not idempotent');
      await writer.result(
        errorResult(
          `Tool ${data.target} was interrupted (its worker stopped) and is not idempotent, so it was not retried; call it again if that is safe`,
        ),
      );
      return;
    }
    try {
      await withJobSpan(data, async (span) => {
        const ctx = handlerContext(data, writer, abort, contextDeps);
        const result = await run(data, pack, ctx);
        if (abort.aborted) throw abort.reason;
        await writer.result(result);
        log.debug({ ...fields, traceId: span.spanContext().traceId }, 'call done');
      });
    } catch (err) {
      if (abort.aborted) {
        // Cancelled: no response is sent for the request (spec); a request's own stream ends so its readers close.
        await writer.end();
        log.info({ ...fields, jobId: job.id, tool: data.target }, 'tool call cancelled');
        return;
      }
      const protocolError = protocolErrorOf(err, data);
      if (protocolError) {
        await writer.error(protocolError);
        return;
      }
      log.warn({ ...fields, err: (err as Error)?.message }, 'handler threw');
      const what = `${data.method} ${data.target}`;
      await writer.error(
        new FleetError('HANDLER_FAILED', { args: [what, (err as Error)?.message ?? String(err)], era: writer.era }),
      );
    }
  };

  const worker = new Worker<CallJob>(config.QUEUE, processor, {
    connection: createRedis(config.REDIS_URL, 'bullmq', `worker:${workerId}:bullmq`, log),
    prefix: keys.bullPrefix(),
    concurrency: config.WORKER_CONCURRENCY,
    lockDuration: config.JOB_LOCK_MS,
    stalledInterval: config.JOB_STALLED_CHECK_MS,
    autorun: false,
  });
  worker.on('error', (err) => log.warn({ err: err.message }, 'worker error'));
  // A job that stalled more often than BullMQ allows is failed inside a Lua script, where no processor sees it:
  // answer its caller here, or the client would wait forever. The done flag makes this a no-op if it was answered.
  worker.on('stalled', (jobId) => {
    void (async () => {
      const job = await Job.fromId<CallJob>(worker, jobId);
      if (!job || !(await job.isFailed())) return;
      log.warn({ jobId, target: job.data.target }, 'call failed: its workers stopped repeatedly');
      await new StreamWriter(redis, keys, job.data).result(
        errorResult(`${job.data.target} failed: the workers running it stopped repeatedly`),
      );
    })().catch((err: Error) => log.warn({ jobId, err: err.message }, 'could not answer a stalled call'));
  });

  subscriber.on('message', (channel: string, jobId: string) => {
    if (channel === keys.cancelChannel() && worker.cancelJob(jobId, 'cancelled by the client')) {
      log.debug({ jobId }, 'cancel delivered');
    }
  });
  await subscriber.subscribe(keys.cancelChannel());
  await requests.subscribe(subscriber);
  await catalog.start();
  void worker.run();
  await worker.waitUntilReady();
  log.info({ tools: pack.tools.map((t) => t.name), queue: config.QUEUE }, 'worker ready');

  return {
    workerId,
    async close() {
      await catalog.stop().catch(() => {});
      await worker.close();
      redis.disconnect();
      subscriber.disconnect();
    },
  };
}

function run(job: CallJob, pack: Pack, ctx: ReturnType<typeof handlerContext>): Promise<unknown> {
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

/** Reading a resource, getting a prompt or completing is safe to repeat; a tool says so with idempotentHint. */
function isIdempotent(pack: Pack, job: CallJob): boolean {
  if (job.method !== 'tools/call') return true;
  return pack.tools.find((t) => t.name === job.target)?.annotations?.idempotentHint === true;
}

function errorResult(text: string) {
  return { isError: true, content: [{ type: 'text', text }] };
}
