// Fan-in: a front node serves any number of open SSE streams over a fixed, small set of Redis connections
// (at most 4), instead of one connection (or one blocking read) per stream.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SseReader,
  clientList,
  frameMessage,
  getStream,
  openSession,
  post,
  rpcRequest,
  sleep,
  splitEventId,
  startFleet,
  tcpConnectionsTo,
  type Fleet,
  type RawSession,
  type RedisClientInfo,
} from './harness/index.ts';

const STREAMS = 200;
const SESSIONS = 10;
const MAX_PER_FRONT = 4;

let fleet: Fleet;

before(async () => {
  // Enough worker concurrency that all 200 calls run at once and keep their streams open together.
  fleet = await startFleet({ fronts: 1, workers: 1, workerEnv: [{ WORKER_CONCURRENCY: String(STREAMS + 50) }] });
});

after(async () => {
  await fleet?.stop();
});

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

interface Census {
  total: number;
  named: RedisClientInfo[];
  /** TCP connections the front process holds to Redis (Linux /proc), when available */
  frontSockets: number | undefined;
  workerSockets: number | undefined;
  /** all clients except the test's own and the worker's */
  others: number;
}

let censusClient: ReturnType<Fleet['redisClient']> | undefined;

async function census(): Promise<Census> {
  censusClient ??= fleet.redisClient('census');
  const redis = censusClient;
  const front = fleet.front('a');
  const worker = fleet.workers[0]!;
  const clients = (await clientList(redis)).filter((c) => !c.name.startsWith('test:'));
  const named = clients.filter((c) => c.name.startsWith(`front:${front.nodeId}:`));
  const frontSockets = tcpConnectionsTo(front.pid, fleet.redis.port);
  const workerSockets = tcpConnectionsTo(worker.pid, fleet.redis.port);
  // Without /proc, a worker's connections are those it named itself (worker:<id>:…).
  const workerCount = workerSockets ?? clients.filter((c) => c.name.startsWith(`worker:${worker.nodeId}:`)).length;
  return { total: clients.length, named, frontSockets, workerSockets, others: clients.length - workerCount };
}

function describeCensus(c: Census): string {
  return (
    `front-named=${c.named.length} [${c.named.map((n) => n.name).join(', ')}], front sockets=${c.frontSockets ?? 'n/a'}, ` +
    `worker sockets=${c.workerSockets ?? 'n/a'}, total (without the test's own)=${c.total}, total minus worker=${c.others}`
  );
}

function assertFanIn(c: Census, when: string): void {
  const what = `${when}: ${describeCensus(c)}`;
  assert.ok(c.named.length >= 1, `the front names its connections front:<NODE_ID>:<role> — ${what}`);
  assert.ok(c.named.length <= MAX_PER_FRONT, `at most ${MAX_PER_FRONT} named front connections — ${what}`);
  if (c.frontSockets !== undefined) {
    assert.ok(
      c.frontSockets <= MAX_PER_FRONT,
      `the front process holds at most ${MAX_PER_FRONT} Redis sockets — ${what}`,
    );
  }
  assert.ok(
    c.others <= MAX_PER_FRONT,
    `all Redis clients but the worker's and the test's: at most ${MAX_PER_FRONT} — ${what}`,
  );
}

describe('fan-in', () => {
  test(`${STREAMS} open GET streams on one front use at most ${MAX_PER_FRONT} Redis connections`, async () => {
    const url = fleet.front('a').url;
    const sessions: RawSession[] = await pool(Array.from({ length: SESSIONS }), SESSIONS, () => openSession(url));
    const idle = await census();
    assertFanIn(idle, 'before any stream');

    // 200 calls that take a while: start each with a POST, keep only its stream id (from the priming event),
    // drop the POST, and hold a GET resume of that stream open instead.
    const to = 3;
    const intervalMs = 4_000;
    const started = Date.now();
    const streams = await pool(Array.from({ length: STREAMS }), 25, async (_, i) => {
      const session = sessions[i % SESSIONS]!;
      const requestId = `fan-${i}`;
      const controller = new AbortController();
      const res = await post(
        url,
        rpcRequest(
          'tools/call',
          {
            name: 'count',
            arguments: { to, intervalMs },
            _meta: { progressToken: requestId },
          },
          requestId,
        ),
        session.headers,
        controller.signal,
      );
      assert.equal(res.status, 200, `call ${i}`);
      const postReader = new SseReader(res);
      const priming = await postReader.next(10_000);
      const id = splitEventId(priming?.id);
      assert.ok(id, `call ${i}: a priming event with an id: ${priming?.raw}`);
      controller.abort();
      await postReader.cancel();
      const get = await getStream(url, session, `${id.streamId}:0`);
      assert.equal(get.status, 200, `GET ${i}: ${get.status}`);
      return { requestId, reader: new SseReader(get) };
    });
    const setupMs = Date.now() - started;
    assert.ok(setupMs < to * intervalMs, `setup (${setupMs} ms) must finish while the calls still run`);

    // All 200 streams are open now. Count while they are, several times.
    let worst: Census | undefined;
    for (let i = 0; i < 5; i++) {
      const c = await census();
      assertFanIn(c, `with ${STREAMS} open streams (sample ${i + 1})`);
      if (!worst || c.others > worst.others) worst = c;
      await sleep(200);
    }
    assert.equal(streams.filter((s) => s.reader.ended).length, 0, 'every stream is still open while counting');

    // The streams were live, not dead sockets: every one delivers its progress and its result, then ends.
    const results = await Promise.all(
      streams.map(async ({ requestId, reader }) => {
        const frames = await reader.readToEnd(to * intervalMs + 15_000);
        const msgs = frames.map(frameMessage).filter(Boolean) as {
          id?: unknown;
          method?: string;
          params?: { progress?: number };
          result?: { content?: { text?: string }[] };
        }[];
        const progress = msgs.filter((m) => m.method === 'notifications/progress').map((m) => m.params?.progress);
        const answer = msgs.find((m) => m.id === requestId);
        return { requestId, progress, text: answer?.result?.content?.[0]?.text };
      }),
    );
    const bad = results.filter((r) => r.text !== `counted to ${to}` || r.progress.join(',') !== '1,2,3');
    assert.deepEqual(bad, [], `${bad.length} of ${STREAMS} streams did not deliver progress 1,2,3 and the result`);

    assertFanIn(await census(), 'after the streams ended');
    // eslint-disable-next-line no-console
    console.log(`# fan-in: ${describeCensus(worst!)} (setup ${setupMs} ms)`);
  });
});
