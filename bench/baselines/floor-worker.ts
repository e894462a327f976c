// The floor's worker (floor-front.ts): a BullMQ Worker whose job answers `echo` with one stream append and one
// PUBLISH to the front node that waits for it, in one MULTI/EXEC round trip. `count` (the fan-out figure's floor)
// first reports each step's progress, one step per event-loop turn as the fleet's count does: every event is an XADD
// of its own, and the events of one turn (all jobs') go in one pipeline with one PUBLISH per front node carrying them
// all — no exactly-once guard, fence, TTL pacing or backpressure: the fewest Redis operations that keep every event
// in a stream and wake the node that serves it.
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { FLOOR_ANSWER, FLOOR_MESSAGE, FLOOR_QUEUE, floorChannel, floorPrefix, floorRecord } from './floor-common.ts';
import { progressNotification } from './common.ts';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(url);
const progressWriter = new Redis(url);
interface FloorJob {
  id: number | string;
  name?: string;
  args: { text?: string; to?: number } | undefined;
  progressToken?: string | number;
  node: string;
}
const turn = () => new Promise<void>((r) => setImmediate(r));

/** The events of this turn, all jobs': sent together at the start of the next. */
let batch: { stream: string; node: string; record: string; event: string }[] = [];
let batchSent: Promise<unknown> | undefined;

function sendBatch(): Promise<unknown> {
  const taken = batch;
  batch = [];
  batchSent = undefined;
  const pipeline = progressWriter.pipeline();
  const byNode = new Map<string, string[]>();
  for (const e of taken) {
    pipeline.xadd(e.stream, 'MAXLEN', '~', '1000', '*', 'm', e.event);
    const records = byNode.get(e.node);
    if (records) records.push(e.record);
    else byNode.set(e.node, [e.record]);
  }
  for (const [node, records] of byNode) pipeline.publish(floorChannel(node), records.join('\n'));
  return pipeline.exec();
}

function report(stream: string, node: string, jobId: string, event: string): Promise<unknown> {
  batch.push({ stream, node, record: floorRecord(jobId, FLOOR_MESSAGE, event), event });
  batchSent ??= turn().then(sendBatch);
  return batchSent;
}

async function count(job: FloorJob, jobId: string, stream: string): Promise<string> {
  const to = job.args?.to ?? 1;
  let sent: Promise<unknown> | undefined;
  for (let i = 1; i <= to; i++) {
    await turn();
    if (job.progressToken === undefined) continue;
    const event = JSON.stringify({ jsonrpc: '2.0', ...progressNotification(job.progressToken, i, to) });
    sent = report(stream, job.node, jobId, event);
  }
  await sent;
  return `counted to ${to}`;
}

const worker = new Worker<FloorJob>(
  FLOOR_QUEUE,
  async (job) => {
    const { id, args, node } = job.data;
    const stream = `${floorPrefix}:stream:${job.id}`;
    const text = job.data.name === 'count' ? await count(job.data, job.id!, stream) : (args?.text ?? '');
    const answer = JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }] } });
    await redis
      .multi()
      .xadd(stream, 'MAXLEN', '~', '100', '*', 'm', answer)
      .pexpire(stream, 60_000)
      .publish(floorChannel(node), floorRecord(job.id!, FLOOR_ANSWER, answer))
      .exec();
  },
  { connection: new Redis(url, { maxRetriesPerRequest: null }), prefix: floorPrefix, concurrency: 128 },
);
await worker.waitUntilReady();
process.stdout.write(`${JSON.stringify({ msg: 'ready', pid: process.pid })}\n`);
const stop = () => void worker.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
