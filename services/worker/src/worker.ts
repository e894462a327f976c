// A worker process: runs tool calls from BullMQ, writes their messages to the session streams, and aborts a job
// when any front node broadcasts its cancellation (worker.cancelJob reaches only this process's jobs).
import { Job, Worker } from 'bullmq';
import {
  FleetKeys, createLogger, createRedis, randomId, type FleetConfig, type ToolCallJob,
} from '@mcp-fleet/shared';
import type { AnyTool, ToolResult } from './define-tool.ts';
import { publishCatalog, withdrawCatalog } from './catalog-publisher.ts';
import { loadPacks } from './packs/index.ts';
import { StreamWriter } from './stream-writer.ts';
import { toolContext } from './tool-context.ts';

export interface RunningWorker {
  workerId: string;
  close(): Promise<void>;
}

export async function startWorker(config: FleetConfig, extraTools: AnyTool[] = []): Promise<RunningWorker> {
  if (!config.REDIS_URL) throw new Error('REDIS_URL is required for a worker');
  const workerId = config.NODE_ID ?? `worker-${randomId(4)}`;
  const log = createLogger('worker', config.LOG_LEVEL, workerId);
  const keys = new FleetKeys(config.KEY_PREFIX);
  const tools = [...(await loadPacks(config.TOOL_PACKS)), ...extraTools];
  const byName = new Map(tools.map((t) => [t.name, t]));

  const redis = createRedis(config.REDIS_URL, 'command', `worker:${workerId}:cmd`, log);
  const subscriber = createRedis(config.REDIS_URL, 'subscriber', `worker:${workerId}:sub`, log);

  const processor = async (job: Job<ToolCallJob>, _token?: string, signal?: AbortSignal) => {
    const data = job.data;
    const tool = byName.get(data.tool);
    const writer = new StreamWriter(redis, keys, data);
    const abort = signal ?? new AbortController().signal;
    const started = performance.now();
    const fields = { jobId: job.id, tool: data.tool, session: data.session.sessionId };
    if (!tool) {
      await writer.result(errorResult(`Tool ${data.tool} is not served by this worker`));
      return;
    }
    if ((job.attemptsStarted ?? 1) > 1 && tool.annotations?.idempotentHint !== true) {
      // A re-run after the first worker died (BullMQ stalled job). Running a non-idempotent tool twice could do its
      // side effects twice, so the caller gets a clear error instead (DESIGN invariant 11).
      log.warn(fields, 'stalled call not retried: tool is not idempotent');
      await writer.result(errorResult(`Tool ${data.tool} was interrupted (its worker stopped) and is not idempotent, so it was not retried; call it again if that is safe`));
      return;
    }
    try {
      const out = await tool.run(data.args, toolContext(data, writer, abort));
      if (abort.aborted) throw abort.reason;
      await writer.result(normalise(out));
      log.debug({ ...fields, ms: +(performance.now() - started).toFixed(2) }, 'tool call done');
    } catch (err) {
      if (abort.aborted) {
        // Cancelled: no response is sent for the request (spec); the stream ends so its readers close.
        await writer.end();
        log.info(fields, 'tool call cancelled');
        return;
      }
      log.warn({ ...fields, err: (err as Error).message }, 'tool threw');
      await writer.result(errorResult(`Tool ${data.tool} failed: ${(err as Error).message ?? String(err)}`));
    }
  };

  const worker = new Worker<ToolCallJob>(config.QUEUE, processor, {
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
      const job = await Job.fromId<ToolCallJob>(worker, jobId);
      if (!job || !(await job.isFailed())) return;
      log.warn({ jobId, tool: job.data.tool }, 'call failed: its workers stopped repeatedly');
      await new StreamWriter(redis, keys, job.data).result(
        errorResult(`Tool ${job.data.tool} failed: the workers running it stopped repeatedly`),
      );
    })().catch((err: Error) => log.warn({ jobId, err: err.message }, 'could not answer a stalled call'));
  });

  subscriber.on('message', (channel: string, jobId: string) => {
    if (channel === keys.cancelChannel() && worker.cancelJob(jobId, 'cancelled by the client')) {
      log.debug({ jobId }, 'cancel delivered');
    }
  });
  await subscriber.subscribe(keys.cancelChannel());
  await publishCatalog(redis, keys, workerId, config.QUEUE, tools);
  void worker.run();
  await worker.waitUntilReady();
  log.info({ tools: tools.map((t) => t.name), queue: config.QUEUE }, 'worker ready');

  return {
    workerId,
    async close() {
      await withdrawCatalog(redis, keys, workerId).catch(() => {});
      await worker.close();
      redis.disconnect();
      subscriber.disconnect();
    },
  };
}

function errorResult(text: string): ToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

function normalise(out: ToolResult | string): ToolResult {
  return typeof out === 'string' ? { content: [{ type: 'text', text: out }] } : out;
}
