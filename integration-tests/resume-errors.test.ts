// Resumes that cannot be honoured: a Last-Event-ID that is not a stream of the session (400), and one whose
// events are no longer retained because the stream was trimmed or expired (410 Gone).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SseReader,
  frameMessage,
  getStream,
  mediaType,
  openSession,
  post,
  rpcRequest,
  sleep,
  splitEventId,
  startFleet,
  type Fleet,
  type RawSession,
} from './harness/index.ts';

const STREAM_MAX_EVENTS = 10;
const STREAM_TTL_SECONDS = 5;

let fleet: Fleet;

before(async () => {
  fleet = await startFleet({
    fronts: 2,
    workers: 1,
    env: { STREAM_MAX_EVENTS: String(STREAM_MAX_EVENTS), STREAM_TTL_SECONDS: String(STREAM_TTL_SECONDS) },
  });
});

after(async () => {
  await fleet?.stop();
});

/** Runs `count` to completion over SSE on `url`; returns the stream id and the seq of every event. */
async function countToEnd(url: string, session: RawSession, to: number, intervalMs: number) {
  const requestId = `count-${to}-${Math.random().toString(36).slice(2)}`;
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
  );
  assert.equal(res.status, 200);
  const frames = await new SseReader(res).readToEnd(30_000);
  const ids = frames.map((f) => splitEventId(f.id));
  assert.ok(
    ids.every(Boolean),
    `every event has an id: ${frames
      .slice(0, 3)
      .map((f) => f.raw)
      .join(' / ')}`,
  );
  const streamId = ids[0]!.streamId;
  const last = frameMessage(frames.at(-1)!);
  assert.equal(last?.id, requestId, 'the call completed');
  return { streamId, requestId, seqs: ids.map((i) => i!.seq), finishedAt: Date.now() };
}

async function expectError(res: Response, status: number, code: number, what: string) {
  const text = await res.text();
  assert.equal(res.status, status, `${what}: ${text}`);
  assert.equal(mediaType(res), 'application/json', `${what}: ${text}`);
  const body = JSON.parse(text) as { jsonrpc: string; error: { code: number; message: string } };
  assert.equal(body.jsonrpc, '2.0', text);
  assert.equal(body.error.code, code, `${what}: ${text}`);
  assert.ok(body.error.message.length > 10, `${what}: a readable message: ${text}`);
  return body;
}

describe('resume errors', () => {
  let expiring: { session: RawSession; streamId: string; finishedAt: number };

  before(async () => {
    // Started first so its retention runs out while the other tests run.
    const session = await openSession(fleet.front('a').url);
    const r = await countToEnd(fleet.front('a').url, session, 2, 10);
    expiring = { session, streamId: r.streamId, finishedAt: r.finishedAt };
  });

  test("a Last-Event-ID of another session's stream → 400, -32000, naming the stream", async () => {
    const a = fleet.front('a').url;
    const b = fleet.front('b').url;
    const owner = await openSession(a);
    const stranger = await openSession(a);
    const { streamId } = await countToEnd(a, owner, 3, 10);

    // The owner can resume it (on either node) …
    const ok = await getStream(b, owner, `${streamId}:1`);
    assert.equal(ok.status, 200, await ok.clone().text());
    const replay = (await new SseReader(ok).readToEnd()).filter((f) => f.data);
    assert.deepEqual(
      replay.map((f) => splitEventId(f.id)?.seq),
      [2, 3, 4],
      'progress 2, 3 and the result',
    );

    // … another session cannot.
    for (const url of [a, b]) {
      const body = await expectError(
        await getStream(url, stranger, `${streamId}:1`),
        400,
        -32000,
        `foreign stream on ${url}`,
      );
      assert.match(body.error.message, /stream|event/i);
    }
    // Nor can an id that is not one of ours at all.
    await expectError(await getStream(b, stranger, 'not-an-event-id'), 400, -32000, 'malformed Last-Event-ID');
  });

  test(`events trimmed past the id (STREAM_MAX_EVENTS=${STREAM_MAX_EVENTS}) → 410 Gone, -32000`, async () => {
    const a = fleet.front('a').url;
    const b = fleet.front('b').url;
    const session = await openSession(a);
    // Far more events than are retained (a Redis stream trims approximately, a node of ~100 entries at a time).
    const to = 300;
    const { streamId, seqs } = await countToEnd(a, session, to, 1);
    const lastSeq = seqs.at(-1)!;
    assert.equal(lastSeq, to + 1, `${to} progress events and the result`);

    await expectError(await getStream(b, session, `${streamId}:1`), 410, -32000, 'resume from event 1 after trimming');
    await expectError(
      await getStream(a, session, `${streamId}:0`),
      410,
      -32000,
      'resume from the priming event after trimming',
    );

    // The tail is still retained: resuming from just before the end replays exactly the result.
    const tail = await getStream(b, session, `${streamId}:${lastSeq - 1}`);
    assert.equal(tail.status, 200, await tail.clone().text());
    const frames = (await new SseReader(tail).readToEnd()).filter((f) => f.data);
    assert.deepEqual(
      frames.map((f) => f.id),
      [`${streamId}:${lastSeq}`],
    );
    assert.deepEqual((frameMessage(frames[0]!)!.result as { content: unknown }).content, [
      { type: 'text', text: `counted to ${to}` },
    ]);
  });

  test(`a stream that expired (STREAM_TTL_SECONDS=${STREAM_TTL_SECONDS}) → 410 Gone, -32000; the session lives on`, async () => {
    const { session, streamId, finishedAt } = expiring;
    const wait = finishedAt + (STREAM_TTL_SECONDS + 1.5) * 1000 - Date.now();
    if (wait > 0) await sleep(wait);
    await expectError(await getStream(fleet.front('b').url, session, `${streamId}:1`), 410, -32000, 'expired stream');
    const ping = await post(fleet.front('b').url, rpcRequest('ping'), session.headers);
    assert.equal(ping.status, 200, `the session itself is still alive: ${await ping.text()}`);
  });
});
