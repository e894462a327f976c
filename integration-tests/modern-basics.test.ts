// The 2026-07-28 era with the official v2 client against two front nodes: version negotiation by server/discover,
// tools/list with its cache hints, tools/call with progress on both nodes, resources/read, prompts/get,
// completion/complete, and the per-request log level. No session: every request stands alone, on any node.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '@modelcontextprotocol/client';
import { startFleet, type Fleet } from './harness/index.ts';
import {
  META_KEYS,
  MODERN_VERSION,
  alternate,
  complaints,
  connectModern,
  modernCall,
  resultOf,
  textOf,
  type Exchange,
  type JsonObject,
  type ModernClient,
} from './harness/modern.ts';

let fleet: Fleet;
let mc: ModernClient;

before(async () => {
  fleet = await startFleet({ fronts: 2, workers: 1 });
  // Every POST alternates between the two front nodes: discover on A, the next request on B, and so on.
  mc = await connectModern(fleet, { route: alternate(fleet) });
});

after(async () => {
  await mc?.close();
  for (const f of fleet?.fronts ?? []) {
    const c = complaints(f.proc);
    if (c.length) console.log(`[modern-basics] ${f.nodeId} warnings/stderr:\n${c.join('\n')}`);
  }
  await fleet?.stop();
});

const last = (rpc: string): Exchange => {
  const all = mc.lb.posts(rpc);
  const ex = all[all.length - 1];
  if (!ex)
    throw new Error(
      `no ${rpc} POST yet; history: ${JSON.stringify(mc.lb.history.map((e) => [e.http, e.rpc, e.node, e.status]))}`,
    );
  return ex;
};

/** The cache hints every list/read/discover result carries (SEP-2549). */
function assertCacheHints(result: JsonObject, scope: 'public' | 'private', what: string): void {
  assert.equal(typeof result.ttlMs, 'number', `${what}: ttlMs is a number (${JSON.stringify(result.ttlMs)})`);
  assert.ok(
    Number.isInteger(result.ttlMs) && (result.ttlMs as number) >= 0,
    `${what}: ttlMs is a non-negative integer`,
  );
  assert.equal(result.cacheScope, scope, `${what}: cacheScope`);
}

describe('2026-07-28 basics with the v2 client on two front nodes', () => {
  test('connect negotiates 2026-07-28 with one server/discover probe and no initialize', async () => {
    assert.equal(mc.client.getNegotiatedProtocolVersion(), MODERN_VERSION);
    const first = mc.lb.history[0]!;
    assert.equal(first.http, 'POST');
    assert.equal(first.rpc, 'server/discover');
    assert.equal(first.status, 200);
    assert.equal(mc.lb.posts('initialize').length, 0, 'no initialize on a modern connection');
    assert.equal(mc.lb.history.filter((e) => e.http === 'GET').length, 0, 'no GET stream on a modern connection');

    const discover = resultOf(first);
    assert.deepEqual(discover.supportedVersions, [MODERN_VERSION]);
    const caps = discover.capabilities as JsonObject;
    for (const k of ['tools', 'resources', 'prompts', 'logging', 'completions'])
      assert.ok(k in caps, `capability ${k}: ${JSON.stringify(caps)}`);
    assert.equal(discover.resultType, 'complete');
    assertCacheHints(discover, 'public', 'server/discover');
    const serverInfo = (discover._meta as JsonObject | undefined)?.[META_KEYS.serverInfo] as JsonObject | undefined;
    assert.equal(serverInfo?.name, 'mcp-fleet', `serverInfo in _meta: ${JSON.stringify(discover._meta)}`);
    assert.equal(mc.client.getServerVersion()?.name, 'mcp-fleet');
    assert.deepEqual(mc.client.getDiscoverResult()?.supportedVersions, [MODERN_VERSION]);

    // Stateless: the other node answers server/discover the same way.
    const other = await modernCall(fleet.front(first.node === 'front-a' ? 'b' : 'a').url, {
      method: 'server/discover',
    });
    assert.equal(other.status, 200);
    assert.deepEqual(other.result?.supportedVersions, discover.supportedVersions);
    assert.deepEqual(other.result?.capabilities, discover.capabilities);
  });

  test('tools/list: the example tools, resultType complete, ttlMs and cacheScope; requests carry the envelope', async () => {
    const { tools } = await mc.client.listTools();
    const names = tools.map((t) => t.name);
    for (const n of ['echo', 'count', 'fail', 'log_levels', 'add', 'set_note', 'ask_user', 'ask_model', 'list_roots']) {
      assert.ok(names.includes(n), `${n} listed: ${names.join(', ')}`);
    }
    const count = tools.find((t) => t.name === 'count')!;
    assert.deepEqual(count.inputSchema.required, ['to']);

    const ex = last('tools/list');
    assert.equal(ex.status, 200);
    const result = resultOf(ex);
    assert.equal(result.resultType, 'complete');
    assertCacheHints(result, 'public', 'tools/list');
    // What the v2 client put on the wire: version header, Mcp-Method, and the _meta envelope.
    assert.equal(ex.headers.get('mcp-protocol-version'), MODERN_VERSION);
    assert.equal(ex.headers.get('mcp-method'), 'tools/list');
    const meta = (ex.body?.params as JsonObject | undefined)?._meta as JsonObject | undefined;
    assert.equal(meta?.[META_KEYS.protocolVersion], MODERN_VERSION);
    assert.ok(
      meta && META_KEYS.clientCapabilities in meta,
      `clientCapabilities in the envelope: ${JSON.stringify(meta)}`,
    );

    // The list is cacheable (changes are announced by list_changed), and the client honours the hint: within
    // ttlMs a second listTools is served without a request.
    assert.ok(
      (result.ttlMs as number) >= 1000,
      `tools/list cacheable for at least a second (ttlMs ${String(result.ttlMs)})`,
    );
    const before = mc.lb.posts('tools/list').length;
    const again = await mc.client.listTools();
    assert.deepEqual(
      again.tools.map((t) => t.name),
      names,
    );
    assert.equal(mc.lb.posts('tools/list').length, before, 'served from the client cache within ttlMs');
    // cacheMode refresh goes to the wire (the other node this time) and gets the same list.
    const fresh = await mc.client.listTools(undefined, { cacheMode: 'refresh' });
    assert.deepEqual(
      fresh.tools.map((t) => t.name),
      names,
    );
    assert.equal(mc.lb.posts('tools/list').length, before + 1);
    assert.notEqual(last('tools/list').node, ex.node, 'the refresh went to the other node');
  });

  test('tools/call with progress: concurrent calls alternate across both nodes, each sees only its own progress', async () => {
    const tos = [3, 4, 5, 6];
    const progress = new Map<number, number[]>(tos.map((to) => [to, []]));
    const results = await Promise.all(
      tos.map((to) =>
        mc.client.callTool(
          { name: 'count', arguments: { to, intervalMs: 30 } },
          { onprogress: (p) => progress.get(to)!.push(p.progress) },
        ),
      ),
    );
    for (const [i, r] of results.entries()) assert.equal(textOf(r), `counted to ${tos[i]}`);
    for (const to of tos) {
      assert.deepEqual(
        progress.get(to),
        Array.from({ length: to }, (_, i) => i + 1),
        `progress of count to ${to}`,
      );
    }

    const calls = mc.lb.posts('tools/call').slice(-tos.length);
    assert.deepEqual(new Set(calls.map((c) => c.node)), new Set(['front-a', 'front-b']), 'calls landed on both nodes');
    for (const ex of calls) {
      const to = (ex.body!.params as { arguments: { to: number } }).arguments.to;
      assert.equal(ex.status, 200);
      assert.equal(ex.headers.get('mcp-name'), 'count', 'Mcp-Name header');
      assert.equal(ex.contentType, 'text/event-stream', `count on ${ex.node} streams`);
      assert.equal(ex.responseHeaders?.get('x-accel-buffering'), 'no', 'SSE responses disable proxy buffering');
      const token = ((ex.body!.params as JsonObject)._meta as JsonObject).progressToken;
      const notes = ex.messages.filter((m) => m.method === 'notifications/progress');
      assert.equal(notes.length, to, `${to} progress notifications on the stream of count to ${to} (${ex.node})`);
      for (const n of notes)
        assert.equal((n.params as JsonObject).progressToken, token, "progress carries this request's token");
      const result = resultOf(ex);
      assert.equal(result.resultType, 'complete');
      const response = ex.messages[ex.messages.length - 1]!;
      assert.equal(response.id, ex.body!.id, 'the response is the last message of the stream');
    }
  });

  test('tools/call results: isError and structured content come through; an unknown tool is -32602', async () => {
    const failed = await mc.client.callTool({ name: 'fail', arguments: { message: 'boom' } });
    assert.equal(failed.isError, true);
    assert.equal(textOf(failed), 'boom');
    assert.equal(resultOf(last('tools/call')).resultType, 'complete');

    const sum = await mc.client.callTool({ name: 'add', arguments: { a: 2, b: 40 } });
    assert.deepEqual(sum.structuredContent, { sum: 42 });

    const invalid = await mc.client.callTool({ name: 'count', arguments: { to: 'many' } });
    assert.equal(invalid.isError, true, 'invalid arguments are a tool error');
    assert.match(textOf(invalid), /Invalid arguments for tool count/);

    await assert.rejects(mc.client.callTool({ name: 'no_such_tool', arguments: {} }), (err: unknown) => {
      assert.ok(err instanceof ProtocolError, `a ProtocolError: ${String(err)}`);
      assert.equal(err.code, -32602);
      assert.match(err.message, /no_such_tool/);
      return true;
    });
  });

  test('resources/read on both nodes: text and blob; private, uncached hints; an unknown resource is -32602', async () => {
    const { resources } = await mc.client.listResources();
    assert.ok(
      resources.some((r) => r.uri === 'note://current'),
      JSON.stringify(resources),
    );
    const { resourceTemplates } = await mc.client.listResourceTemplates();
    assert.ok(
      resourceTemplates.some((t) => t.uriTemplate === 'greeting://{name}'),
      JSON.stringify(resourceTemplates),
    );

    const nodes = new Set<string>();
    for (const name of ['Ada', 'Grace']) {
      const r = await mc.client.readResource({ uri: `greeting://${name}` });
      assert.deepEqual(r.contents, [{ uri: `greeting://${name}`, mimeType: 'text/plain', text: `Hello, ${name}!` }]);
      const ex = last('resources/read');
      assert.equal(ex.headers.get('mcp-name'), `greeting://${name}`, 'Mcp-Name carries the URI');
      const result = resultOf(ex);
      assert.equal(result.resultType, 'complete');
      assertCacheHints(result, 'private', 'resources/read');
      nodes.add(ex.node);
    }
    assert.deepEqual(nodes, new Set(['front-a', 'front-b']));

    const pixel = await mc.client.readResource({ uri: 'example://pixel.png' });
    const blob = pixel.contents[0] as { blob?: string; mimeType?: string };
    assert.equal(blob.mimeType, 'image/png');
    assert.ok(blob.blob && Buffer.from(blob.blob, 'base64').subarray(1, 4).toString() === 'PNG', 'a PNG blob');

    await assert.rejects(mc.client.readResource({ uri: 'nothing://here' }), (err: unknown) => {
      assert.ok(err instanceof ProtocolError, String(err));
      assert.equal(err.code, -32602);
      return true;
    });
  });

  test('prompts/get renders the prompt; an unknown prompt is -32602', async () => {
    const { prompts } = await mc.client.listPrompts();
    assert.ok(
      prompts.some((p) => p.name === 'summarize'),
      JSON.stringify(prompts),
    );
    const listed = resultOf(last('prompts/list'));
    assertCacheHints(listed, 'public', 'prompts/list');

    const got = await mc.client.getPrompt({
      name: 'summarize',
      arguments: { text: 'the text', style: 'bullet points' },
    });
    assert.equal(got.messages.length, 2);
    assert.deepEqual(got.messages[0]!.content, { type: 'text', text: 'Summarize this (bullet points):' });
    assert.deepEqual((got.messages[1]!.content as { resource?: JsonObject }).resource?.text, 'the text');
    const ex = last('prompts/get');
    assert.equal(ex.headers.get('mcp-name'), 'summarize');
    assert.equal(resultOf(ex).resultType, 'complete');

    await assert.rejects(mc.client.getPrompt({ name: 'no_such_prompt' }), (err: unknown) => {
      assert.ok(err instanceof ProtocolError, String(err));
      assert.equal(err.code, -32602);
      return true;
    });
  });

  test('completion/complete for a prompt argument and a resource template variable', async () => {
    const style = await mc.client.complete({
      ref: { type: 'ref/prompt', name: 'summarize' },
      argument: { name: 'style', value: 'b' },
    });
    assert.deepEqual(style.completion.values, ['brief', 'bullet points']);
    const names = await mc.client.complete({
      ref: { type: 'ref/resource', uri: 'greeting://{name}' },
      argument: { name: 'name', value: 'a' },
    });
    assert.deepEqual(names.completion.values, ['Ada', 'Alan']);
    // An argument without a completer completes to nothing.
    const none = await mc.client.complete({
      ref: { type: 'ref/prompt', name: 'summarize' },
      argument: { name: 'text', value: 'x' },
    });
    assert.deepEqual(none.completion.values, []);
    assert.equal(resultOf(last('completion/complete')).resultType, 'complete');
  });

  test('log levels: no notifications/message without a logLevel; with logLevel error only error and above', async () => {
    const levels: { level: string; data: unknown }[] = [];
    mc.client.setNotificationHandler('notifications/message', (n) => {
      levels.push({ level: n.params.level, data: n.params.data });
    });

    const quiet = await mc.client.callTool({ name: 'log_levels', arguments: {} });
    assert.equal(textOf(quiet), 'logged 8 messages');
    const quietEx = last('tools/call');
    assert.deepEqual(
      quietEx.messages.filter((m) => m.method === 'notifications/message'),
      [],
      'nothing logged on the wire',
    );
    assert.equal(levels.length, 0, `no log messages: ${JSON.stringify(levels)}`);

    const loud = await mc.client.callTool({
      name: 'log_levels',
      arguments: {},
      _meta: { [META_KEYS.logLevel]: 'error' },
    });
    assert.equal(textOf(loud), 'logged 8 messages');
    const loudEx = last('tools/call');
    assert.equal(
      ((loudEx.body!.params as JsonObject)._meta as JsonObject)[META_KEYS.logLevel],
      'error',
      'the level went in the envelope',
    );
    const onWire = loudEx.messages
      .filter((m) => m.method === 'notifications/message')
      .map((m) => (m.params as JsonObject).level);
    assert.deepEqual(onWire, ['error', 'critical', 'alert', 'emergency']);
    assert.deepEqual(
      levels.map((l) => l.level),
      ['error', 'critical', 'alert', 'emergency'],
      'the client handler saw the same',
    );
    assert.deepEqual(levels[0]!.data, 'a error message');

    // The next call without a level is quiet again: the level belongs to one request, not to a connection.
    levels.length = 0;
    await mc.client.callTool({ name: 'log_levels', arguments: {} });
    assert.equal(levels.length, 0, `no log messages: ${JSON.stringify(levels)}`);
  });
});
