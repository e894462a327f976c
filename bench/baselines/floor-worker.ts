// The floor's worker (floor-front.ts): a BullMQ Worker whose job answers `echo` with one stream append and one
// PUBLISH to the front node that waits for it, in one MULTI/EXEC round trip.
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { FLOOR_QUEUE, floorChannel, floorPrefix } from './floor-common.ts';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(url);
interface FloorJob {
  id: number | string;
  args: { text?: string } | undefined;
  node: string;
}
const worker = new Worker<FloorJob>(
  FLOOR_QUEUE,
  async (job) => {
    const { id, args, node } = job.data;
    const answer = JSON.stringify({
      jsonrpc: '2.0',
      id,
      result: { content: [{ type: 'text', text: args?.text ?? '' }] },
    });
    await redis
      .multi()
      .xadd(`${floorPrefix}:stream:${job.id}`, 'MAXLEN', '~', '100', '*', 'm', answer)
      .pexpire(`${floorPrefix}:stream:${job.id}`, 60_000)
      .publish(floorChannel(node), `${job.id}\n${answer}`)
      .exec();
  },
  { connection: new Redis(url, { maxRetriesPerRequest: null }), prefix: floorPrefix, concurrency: 128 },
);
await worker.waitUntilReady();
process.stdout.write(`${JSON.stringify({ msg: 'ready', pid: process.pid })}\n`);
const stop = () => void worker.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
