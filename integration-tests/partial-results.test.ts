// Partial results (opt-in per call, `_meta["mcp-fleet/partialResultToken"]`): ordered chunks on the call's stream,
// exactly once across a resume on another node after the first node is SIGKILLed; none for a client that did not
// opt in; an error chunk ends a cancelled call's; a running task's chunks are readable by tasks/get on any node.
// Two front nodes and one worker, separate processes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFleet, type Fleet } from './harness/fleet.ts';
import { followCall } from './harness/follow.ts';
import { SseReader, eventually, frameMessage, openSession, post, rpcRequest, sleep } from './harness/http.ts';
import { modernCall, type JsonObject } from './harness/modern.ts';

const TOKEN_META = 'mcp-fleet/partialResultToken';
const CHUNK = 'notifications/mcp-fleet/partial_result';
let fleet: Fleet;

before(async () => {
  fleet = await startFleet({ fronts: 3, workers: 1 });
});
after(async () => {
  await fleet?.stop();
});

interface Chunk {
  partialResultToken: unknown;
  seq: number;
  content: { type: string; text: string }[];
  final: boolean;
  error?: { code: number; message: string };
}
const chunksOf = (messages: Record<string, unknown>[]) =>
  messages.filter((m) => m.method === CHUNK).map((m) => m.params as Chunk);

describe('partial results on a session call', () => {
  test('opted in: every chunk once and in order across a resume after its node is SIGKILLed; the result complete', async () => {
    const alive = () => fleet.fronts.filter((f) => f.proc.alive).map((f) => f.url);
    const s = await openSession(fleet.front('a').url);
    const messages: Record<string, unknown>[] = [];
    let killed = false;
    const body = rpcRequest('tools/call', {
      name: 'batch_report',
      arguments: { items: 20, itemMs: 60 },
      _meta: { [TOKEN_META]: 'prt-1', progressToken: 'p' },
    });
    const outcome = await followCall(body, {
      urls: alive,
      session: s,
      onMessage: (m) => {
        messages.push(m);
        if (!killed && chunksOf(messages).length === 5) {
          killed = true;
          void fleet.front('a').kill('SIGKILL');
        }
      },
    });
    assert.equal(outcome.kind, 'result', outcome.why);
    assert.ok(outcome.connections >= 2, 'the call was resumed on another node');
    const chunks = chunksOf(messages);
    assert.deepEqual(
      chunks.map((c) => c.seq),
      Array.from({ length: 21 }, (_, i) => i),
      'seq 0..20, each once, in order',
    );
    assert.ok(chunks.every((c) => c.partialResultToken === 'prt-1'));
    assert.deepEqual(
      chunks.map((c) => c.final),
      [...Array(20).fill(false), true],
    );
    const result = outcome.response!.result as { content: { text: string }[] };
    assert.equal(chunks.map((c) => c.content.map((x) => x.text).join('')).join(''), `${result.content[0]!.text}\n`);
  });

  test('not opted in: no chunks, and the same complete result', async () => {
    const url = fleet.front('b').url;
    const s = await openSession(url);
    const res = await post(
      url,
      rpcRequest('tools/call', { name: 'batch_report', arguments: { items: 5, itemMs: 10 } }),
      s.headers,
    );
    const messages = (await new SseReader(res).readToEnd(15_000)).map(frameMessage).filter(Boolean) as Record<
      string,
      unknown
    >[];
    assert.deepEqual(chunksOf(messages), []);
    const result = messages.find((m) => 'result' in m)?.result as { structuredContent: { lines: string[] } };
    assert.equal(result.structuredContent.lines.length, 5);
  });

  test('cancelled: the chunks end with a final error chunk, and no response', async () => {
    const url = fleet.front('b').url;
    const s = await openSession(url);
    const body = rpcRequest(
      'tools/call',
      { name: 'batch_report', arguments: { items: 50, itemMs: 50 }, _meta: { [TOKEN_META]: 7 } },
      'to-cancel',
    );
    const reader = new SseReader(await post(url, body, s.headers));
    const messages: Record<string, unknown>[] = [];
    while (chunksOf(messages).length < 3) {
      const f = await reader.next(10_000);
      assert.ok(f, reader.describe());
      const m = frameMessage(f);
      if (m) messages.push(m);
    }
    await post(
      fleet.front('c').url,
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'to-cancel' } },
      s.headers,
    );
    messages.push(...((await reader.readToEnd(10_000)).map(frameMessage).filter(Boolean) as Record<string, unknown>[]));
    const chunks = chunksOf(messages);
    const last = chunks.at(-1)!;
    assert.equal(last.final, true);
    assert.ok(last.error && last.error.code < 0, `an error chunk: ${JSON.stringify(last)}`);
    assert.deepEqual(
      chunks.map((c) => c.seq),
      chunks.map((_, i) => i),
    );
    assert.equal(messages.filter((m) => 'result' in m || 'error' in m).length, 0);
  });
});

describe('partial results, 2026-07-28', () => {
  test('a plain call carries its chunks on the response stream', async () => {
    const r = await modernCall(fleet.front('b').url, {
      method: 'tools/call',
      params: { name: 'batch_report', arguments: { items: 3, itemMs: 10 } },
      extraMeta: { [TOKEN_META]: 'm1' },
    });
    assert.deepEqual(
      chunksOf(r.messages).map((c) => [c.seq, c.final]),
      [
        [0, false],
        [1, false],
        [2, false],
        [3, true],
      ],
    );
    assert.equal(r.result?.resultType, 'complete');
  });

  test("a running task's chunks so far are readable by tasks/get on any node", async () => {
    const caps = { extensions: { 'io.modelcontextprotocol/tasks': {} } };
    const created = await modernCall(fleet.front('b').url, {
      method: 'tools/call',
      params: { name: 'batch_report', arguments: { items: 40, itemMs: 50 } },
      envelope: { capabilities: caps },
      extraMeta: { [TOKEN_META]: 't1' },
    });
    const taskId = String(created.result?.taskId);
    const get = (url: string) =>
      modernCall(url, {
        method: 'tasks/get',
        params: { taskId },
        envelope: { capabilities: caps },
        headers: { 'mcp-name': taskId },
      });
    await sleep(600);
    const seen = await eventually(
      async () => {
        const r = (await get(fleet.front('c').url)).result as JsonObject;
        const p = (r?._meta as JsonObject | undefined)?.['mcp-fleet/partialResults'] as
          | { seq: number; content: unknown[] }
          | undefined;
        return p && p.seq >= 3 ? p : undefined;
      },
      10_000,
      'partial results on tasks/get',
    );
    assert.equal(seen!.content.length, seen!.seq + 1, 'every chunk so far, in order');
    assert.equal(((await get(fleet.front('b').url)).result as JsonObject).status, 'working');
  });
});
