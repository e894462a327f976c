// subscriptions/listen (2026-07-28): a POST whose SSE response stays open. The server first acknowledges the
// filter, then sends only the notification types the stream asked for, each tagged with the subscription id.
// Streams on both front nodes: v2 clients (client.listen) and raw ones. A worker with a new tool joining (and
// leaving) the fleet reaches every tools listener once; set_note reaches the listeners of note://current; a stream
// that did not ask for a type never gets it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { McpSubscription } from '@modelcontextprotocol/client';
import { SseReader, frameMessage, mediaType, sleep, startFleet, type Fleet, type WorkerNode } from './harness/index.ts';
import {
  META_KEYS,
  addWorker,
  complaints,
  connectModern,
  modernCall,
  modernFetch,
  textOf,
  type Exchange,
  type JsonObject,
  type ModernClient,
} from './harness/modern.ts';

const TOOLS_CHANGED = 'notifications/tools/list_changed';
const UPDATED = 'notifications/resources/updated';
const ACK = 'notifications/subscriptions/acknowledged';
const NOTE = 'note://current';
const PACK = fileURLToPath(new URL('./fixtures/modern-pack.ts', import.meta.url));

let fleet: Fleet;
let extra: WorkerNode | undefined;

/** A v2 client listening on one node, with what its handlers received. */
interface Listener {
  label: string;
  mc: ModernClient;
  sub: McpSubscription;
  filter: JsonObject;
  got: { method: string; params: JsonObject }[];
  /** the listen POST as the balancer recorded it */
  exchange(): Exchange;
}

/** A raw listen stream. */
interface RawListener {
  label: string;
  id: string;
  filter: JsonObject;
  res: Response;
  reader: SseReader;
  messages(): JsonObject[];
}

let listeners: Listener[] = [];
let raws: RawListener[] = [];

async function listenWithClient(node: 'a' | 'b', filter: JsonObject): Promise<Listener> {
  const got: Listener['got'] = [];
  const mc = await connectModern(fleet, {
    route: () => node,
    setup: (c) => {
      for (const m of [
        TOOLS_CHANGED,
        UPDATED,
        'notifications/prompts/list_changed',
        'notifications/resources/list_changed',
      ] as const) {
        c.setNotificationHandler(m, (n) => {
          got.push({ method: n.method, params: (n.params ?? {}) as JsonObject });
        });
      }
    },
  });
  const sub = await mc.client.listen(filter);
  return {
    label: `client on ${node.toUpperCase()} ${JSON.stringify(filter)}`,
    mc,
    sub,
    filter,
    got,
    exchange: () => {
      const ex = mc.lb.posts('subscriptions/listen');
      assert.equal(ex.length, 1);
      return ex[0]!;
    },
  };
}

async function listenRaw(node: 'a' | 'b', filter: JsonObject, id: string): Promise<RawListener> {
  const res = await modernFetch(fleet.front(node).url, {
    method: 'subscriptions/listen',
    params: { notifications: filter },
    id,
  });
  assert.equal(res.status, 200, `listen ${id} on ${node}`);
  const reader = new SseReader(res);
  const raw: RawListener = {
    label: `raw stream ${id} on ${node.toUpperCase()} ${JSON.stringify(filter)}`,
    id,
    filter,
    res,
    reader,
    messages: () => reader.frames.map(frameMessage).filter((m): m is JsonObject => m !== undefined),
  };
  // Listening starts with the acknowledgement: once it is in, events published from now on reach this stream.
  const first = await reader.nextMessage(5_000);
  assert.ok(first, `${raw.label}: the stream ended before its acknowledgement`);
  return raw;
}

before(async () => {
  fleet = await startFleet({ fronts: 2, workers: 1 });
  listeners = [
    await listenWithClient('a', { toolsListChanged: true }),
    await listenWithClient('b', { toolsListChanged: true, resourceSubscriptions: [NOTE] }),
  ];
  raws = [
    await listenRaw('a', { resourceSubscriptions: [NOTE] }, 'raw-note-a'),
    await listenRaw('b', { toolsListChanged: true }, 'raw-tools-b'),
    await listenRaw('b', { promptsListChanged: true }, 'raw-prompts-b'),
    await listenRaw('a', { resourceSubscriptions: ['note://elsewhere'] }, 'raw-other-note-a'),
  ];
});

after(async () => {
  await Promise.all(raws.map((r) => r.reader.cancel()));
  await Promise.all(
    listeners.map(async (l) => {
      await l.sub.close().catch(() => {});
      await l.mc.close();
    }),
  );
  await extra?.proc.stop();
  for (const f of fleet?.fronts ?? []) {
    const c = complaints(f.proc);
    if (c.length) console.log(`[modern-listen] ${f.nodeId} warnings/stderr:\n${c.join('\n')}`);
  }
  await fleet?.stop();
});

const wantsTools = (f: JsonObject) => f.toolsListChanged === true;
const wantsNote = (f: JsonObject) => Array.isArray(f.resourceSubscriptions) && f.resourceSubscriptions.includes(NOTE);

/** Every notification `method` a listener got so far (client handlers, or the raw stream). */
function clientGot(l: Listener, method: string) {
  return l.got.filter((g) => g.method === method);
}
function rawGot(r: RawListener, method: string) {
  return r.messages().filter((m) => m.method === method);
}

/** Waits (up to 5 s) until every expected listener has `n` of `method`, then 500 ms more for strays. */
async function settleOn(
  method: string,
  n: number,
  expectClient: (l: Listener) => boolean,
  expectRaw: (r: RawListener) => boolean,
) {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const done =
      listeners.filter(expectClient).every((l) => clientGot(l, method).length >= n) &&
      raws.filter(expectRaw).every((r) => rawGot(r, method).length >= n);
    if (done) break;
    await sleep(25);
  }
  await sleep(500);
}

function subscriptionIdOf(m: JsonObject): unknown {
  return ((m.params as JsonObject | undefined)?._meta as JsonObject | undefined)?.[META_KEYS.subscriptionId];
}

describe('subscriptions/listen on two front nodes', () => {
  test('every stream opens with an acknowledgement of its filter, tagged with its subscription id', () => {
    for (const l of listeners) {
      assert.deepEqual(l.sub.honoredFilter, l.filter, `${l.label}: honoured filter`);
      const ex = l.exchange();
      assert.equal(ex.status, 200);
      assert.equal(ex.contentType, 'text/event-stream', `${l.label}: an SSE stream`);
      assert.equal(ex.responseHeaders?.get('x-accel-buffering'), 'no');
      assert.equal(ex.headers.get('mcp-method'), 'subscriptions/listen');
      const ack = ex.messages[0]!;
      assert.equal(ack.method, ACK, `${l.label}: first message ${JSON.stringify(ex.messages)}`);
      assert.deepEqual((ack.params as JsonObject).notifications, l.filter);
      assert.equal(subscriptionIdOf(ack), ex.body!.id, `${l.label}: ack carries the listen request id`);
    }
    for (const r of raws) {
      assert.equal(mediaType(r.res), 'text/event-stream', r.label);
      assert.equal(r.res.headers.get('x-accel-buffering'), 'no', r.label);
      const [ack, ...rest] = r.messages();
      assert.equal(ack?.method, ACK, `${r.label}: first message`);
      assert.deepEqual((ack!.params as JsonObject).notifications, r.filter, r.label);
      assert.equal(subscriptionIdOf(ack!), r.id, `${r.label}: subscription id = listen request id`);
      assert.deepEqual(rest, [], `${r.label}: nothing but the ack yet`);
      assert.equal(r.reader.ended, false, `${r.label}: the stream stays open`);
    }
  });

  test('a second worker with a new tool starts: every tools listener, on either node, hears list_changed once', async () => {
    for (const l of listeners) {
      const names = (await l.mc.client.listTools()).tools.map((t) => t.name);
      assert.ok(!names.includes('reverse'), `${l.label}: no reverse yet`);
    }

    extra = await addWorker(fleet, { nodeId: 'worker-modern-extra', toolPacks: PACK, logName: 'modern-listen' });
    await settleOn(
      TOOLS_CHANGED,
      1,
      (l) => wantsTools(l.filter),
      (r) => wantsTools(r.filter),
    );

    for (const l of listeners) {
      const got = clientGot(l, TOOLS_CHANGED);
      if (wantsTools(l.filter)) {
        assert.equal(got.length, 1, `${l.label}: exactly one tools list_changed (${JSON.stringify(l.got)})`);
        assert.equal(
          (got[0]!.params._meta as JsonObject | undefined)?.[META_KEYS.subscriptionId],
          l.exchange().body!.id,
          `${l.label}: tagged with its subscription id`,
        );
      } else {
        assert.deepEqual(got, [], l.label);
      }
      // Only the tools changed.
      assert.deepEqual(clientGot(l, 'notifications/prompts/list_changed'), [], l.label);
      assert.deepEqual(clientGot(l, 'notifications/resources/list_changed'), [], l.label);
    }
    for (const r of raws) {
      const got = rawGot(r, TOOLS_CHANGED);
      assert.equal(got.length, wantsTools(r.filter) ? 1 : 0, `${r.label}: ${JSON.stringify(r.messages())}`);
      for (const m of got) assert.equal(subscriptionIdOf(m), r.id, `${r.label}: tagged`);
      assert.deepEqual(
        r.messages().filter((m) => m.method !== ACK && m.method !== TOOLS_CHANGED),
        [],
        `${r.label}: nothing else`,
      );
    }

    // The clients act on it: the list (no longer cached) has the new tool, and it runs on the new worker.
    for (const l of listeners) {
      const names = (await l.mc.client.listTools()).tools.map((t) => t.name);
      assert.ok(names.includes('reverse') && names.includes('echo'), `${l.label}: ${names.join(', ')}`);
      const r = await l.mc.client.callTool({ name: 'reverse', arguments: { text: 'fleet' } });
      assert.equal(textOf(r), 'teelf');
    }
  });

  test('set_note on either node: listeners of note://current on both nodes hear resources/updated; no one else', async () => {
    const noteClient = listeners.find((l) => wantsNote(l.filter))!;
    const toolsOnly = listeners.find((l) => !wantsNote(l.filter))!;

    // Through the client that only listens for tools (node A)…
    const set1 = await toolsOnly.mc.client.callTool({ name: 'set_note', arguments: { text: 'first' } });
    assert.match(textOf(set1), /^note set/);
    await settleOn(
      UPDATED,
      1,
      (l) => wantsNote(l.filter),
      (r) => wantsNote(r.filter),
    );
    // …and raw, on node B.
    const set2 = await modernCall(fleet.front('b').url, {
      method: 'tools/call',
      params: { name: 'set_note', arguments: { text: 'second' } },
    });
    assert.match(textOf(set2.result), /^note set/, set2.raw);
    await settleOn(
      UPDATED,
      2,
      (l) => wantsNote(l.filter),
      (r) => wantsNote(r.filter),
    );

    for (const l of listeners) {
      const got = clientGot(l, UPDATED);
      if (wantsNote(l.filter)) {
        assert.deepEqual(
          got.map((g) => g.params.uri),
          [NOTE, NOTE],
          `${l.label}: one update per set_note`,
        );
        for (const g of got)
          assert.equal((g.params._meta as JsonObject | undefined)?.[META_KEYS.subscriptionId], l.exchange().body!.id);
      } else {
        assert.deepEqual(got, [], `${l.label} did not ask for resources`);
      }
    }
    for (const r of raws) {
      const got = rawGot(r, UPDATED);
      if (wantsNote(r.filter)) {
        assert.deepEqual(
          got.map((m) => (m.params as JsonObject).uri),
          [NOTE, NOTE],
          r.label,
        );
        for (const m of got) assert.equal(subscriptionIdOf(m), r.id, `${r.label}: tagged`);
      } else {
        assert.deepEqual(got, [], `${r.label}: not its URI or type`);
      }
    }
    assert.deepEqual(rawGot(raws.find((r) => r.id === 'raw-prompts-b')!, 'notifications/prompts/list_changed'), []);
    assert.deepEqual(
      raws
        .find((r) => r.id === 'raw-prompts-b')!
        .messages()
        .map((m) => m.method),
      [ACK],
      'the prompts listener got nothing at all after its ack',
    );

    const read = await noteClient.mc.client.readResource({ uri: NOTE });
    assert.equal((read.contents[0] as { text?: string }).text, 'second');
  });

  test('the second worker stops: the tools listeners hear list_changed once more and the tool is gone', async () => {
    await extra!.proc.stop();
    await settleOn(
      TOOLS_CHANGED,
      2,
      (l) => wantsTools(l.filter),
      (r) => wantsTools(r.filter),
    );
    for (const l of listeners) {
      assert.equal(clientGot(l, TOOLS_CHANGED).length, wantsTools(l.filter) ? 2 : 0, l.label);
      const names = (await l.mc.client.listTools()).tools.map((t) => t.name);
      assert.ok(!names.includes('reverse') && names.includes('echo'), `${l.label}: ${names.join(', ')}`);
    }
    for (const r of raws) assert.equal(rawGot(r, TOOLS_CHANGED).length, wantsTools(r.filter) ? 2 : 0, r.label);
    for (const r of raws) assert.equal(r.reader.ended, false, `${r.label}: still open`);
  });

  test("closing one client's subscription stops its events; the other listeners keep hearing them", async () => {
    const [onA, onB] = listeners as [Listener, Listener];
    await onB.sub.close();
    assert.equal(await onB.sub.closed, 'local');
    const before = clientGot(onB, UPDATED).length;
    const rawNote = raws.find((r) => r.id === 'raw-note-a')!;
    const rawBefore = rawGot(rawNote, UPDATED).length;

    await onA.mc.client.callTool({ name: 'set_note', arguments: { text: 'third' } });
    await settleOn(
      UPDATED,
      rawBefore + 1,
      () => false,
      (r) => r === rawNote,
    );
    assert.equal(rawGot(rawNote, UPDATED).length, rawBefore + 1, 'the raw listener heard it');
    assert.equal(clientGot(onB, UPDATED).length, before, 'the closed subscription did not');
  });
});
