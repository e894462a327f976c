// `mcp-fleet bridge` hosts the official reference server (@modelcontextprotocol/server-everything, stdio) behind two
// front nodes: its tools, resources, prompts and completions are listed and called with the v1 SDK client (2025-11-25
// sessions, requests spread over both nodes) and the v2 SDK client (2026-07-28), its progress reaches the caller, its
// sampling request is answered by the fleet's client, and a call survives its front node being killed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { allText as text, packageBin, startBridgeWorker, type BridgeWorker } from './harness/bridge-worker.ts';
import { FAST_RECONNECT, createBalancer, eventually, startFleet, type Balancer, type Fleet } from './harness/index.ts';
import { connectModern } from './harness/modern.ts';

let fleet: Fleet;
let bridge: BridgeWorker;

before(async () => {
  fleet = await startFleet({ fronts: 2, workers: 0 });
  bridge = await startBridgeWorker(fleet, {
    nodeId: 'bridge-everything',
    command: process.execPath,
    args: [packageBin('@modelcontextprotocol/server-everything'), 'stdio'],
    flags: ['--children', '2', '--concurrency', '1'],
  });
});

after(async () => {
  await bridge?.proc.stop();
  await fleet?.stop();
});

/** A v1 SDK client (2025-11-25 session) that answers sampling and elicitation, through a balancer over the fronts. */
async function connectV1(lb: Balancer, sample?: (text: string) => Promise<string>) {
  const client = new Client(
    { name: 'bridge-tests', version: '0.0.0' },
    { capabilities: { sampling: {}, elicitation: { form: {} } } },
  );
  client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { name: 'Ada v1' } }));
  client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
    const first = req.params.messages[0]?.content;
    const text = first && 'text' in first ? String(first.text) : '';
    return {
      role: 'assistant',
      model: 'test-model',
      content: { type: 'text', text: sample ? await sample(text) : `echoing: ${text}` },
    };
  });
  const transport = new StreamableHTTPClientTransport(lb.url, { fetch: lb.fetch, reconnectionOptions: FAST_RECONNECT });
  await client.connect(transport);
  return client;
}

/** Alternates front nodes per request: a session's requests land on both. */
function roundRobin(): Balancer {
  const lb = createBalancer(fleet, 'a');
  let n = 0;
  lb.route = () => (n++ % 2 === 0 ? 'a' : 'b');
  return lb;
}

describe('bridge: server-everything behind two front nodes', () => {
  test('v1 client: tools, resources, templates, prompts and completions of the stdio server, on both nodes', async () => {
    const lb = roundRobin();
    const client = await connectV1(lb);
    try {
      // The server registers its capability-dependent tools after the handshake and says list_changed.
      const names = await eventually(
        async () => {
          const { tools } = await client.listTools();
          const n = tools.map((t) => t.name);
          return n.includes('trigger-sampling-request') ? n : null;
        },
        10_000,
        'the bridged tools (with the capability-dependent ones) in tools/list',
      );
      assert.ok(names);
      for (const n of ['echo', 'get-sum', 'trigger-long-running-operation', 'get-structured-content'])
        assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
      assert.ok(!names.includes('simulate-research-query'), 'a task-only tool is left out');

      assert.equal(text(await client.callTool({ name: 'echo', arguments: { message: 'hi' } })), 'Echo: hi');
      assert.equal(
        text(await client.callTool({ name: 'get-sum', arguments: { a: 2, b: 40 } })),
        'The sum of 2 and 40 is 42.',
      );
      // The child's JSON Schema is the fleet's: a bad argument is refused by the front node before any worker runs.
      const bad = await client.callTool({ name: 'get-sum', arguments: { a: 'two', b: 40 } });
      assert.equal(bad.isError, true);
      assert.match(text(bad), /Invalid arguments for tool get-sum/);

      const { resources } = await client.listResources();
      const doc = resources.find((r) => r.uri === 'demo://resource/static/document/architecture.md');
      assert.ok(doc, `the static document in ${resources.map((r) => r.uri).join(', ')}`);
      const read = await client.readResource({ uri: doc.uri });
      const first = read.contents[0] as { text?: string; mimeType?: string };
      assert.match(first.text ?? '', /^# Everything Server/);
      assert.equal(first.mimeType, 'text/markdown');

      const { resourceTemplates } = await client.listResourceTemplates();
      assert.ok(resourceTemplates.some((t) => t.uriTemplate === 'demo://resource/dynamic/text/{resourceId}'));
      const dynamic = await client.readResource({ uri: 'demo://resource/dynamic/text/7' });
      assert.equal(dynamic.contents[0]?.uri, 'demo://resource/dynamic/text/7');

      const { prompts } = await client.listPrompts();
      assert.deepEqual(prompts.map((p) => p.name).sort(), [
        'args-prompt',
        'completable-prompt',
        'resource-prompt',
        'simple-prompt',
      ]);
      const prompt = await client.getPrompt({ name: 'args-prompt', arguments: { city: 'Paris' } });
      assert.match(JSON.stringify(prompt.messages), /Paris/);
      const completion = await client.complete({
        ref: { type: 'ref/prompt', name: 'completable-prompt' },
        argument: { name: 'department', value: 'E' },
      });
      assert.deepEqual(completion.completion.values, ['Engineering']);

      const nodes = new Set(lb.history.map((h) => h.node));
      assert.deepEqual([...nodes].sort(), ['front-a', 'front-b'], 'requests went to both front nodes');
    } finally {
      await client.close();
    }
  });

  test("v1 client: the child's progress reaches the caller, and its sampling request is answered by the caller", async () => {
    const lb = roundRobin();
    const client = await connectV1(lb, async (t) => `sampled(${t})`);
    try {
      const progress: number[] = [];
      const long = await client.callTool(
        { name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 5 } },
        undefined,
        { onprogress: (p) => progress.push(p.progress) },
      );
      assert.match(text(long), /Long running operation completed/);
      // server-everything sends its last progress after its result (the SDK client drops it): 1..4 at least.
      assert.deepEqual(progress.slice(0, 4), [1, 2, 3, 4], `progress in order, once each: ${progress}`);

      const sampled = await eventually(
        async () => {
          const { tools } = await client.listTools();
          return tools.some((t) => t.name === 'trigger-sampling-request') || undefined;
        },
        10_000,
        'trigger-sampling-request listed',
      );
      assert.ok(sampled);
      const r = await client.callTool({
        name: 'trigger-sampling-request',
        arguments: { prompt: 'hello', maxTokens: 5 },
      });
      assert.notEqual(r.isError, true, text(r));
      assert.match(text(r), /sampled\(Resource trigger-sampling-request context: hello\)/);
    } finally {
      await client.close();
    }
  });

  test("elicitation from the child reaches the caller: a v1 client's answer on the other node, a v2 client's by MRTR", async () => {
    const lb = roundRobin();
    const v1 = await connectV1(lb);
    try {
      await eventually(
        async () => (await v1.listTools()).tools.some((t) => t.name === 'trigger-elicitation-request') || null,
        10_000,
        'trigger-elicitation-request listed',
      );
      const r = await v1.callTool({ name: 'trigger-elicitation-request', arguments: {} });
      assert.match(text(r), /User provided the requested information/);
      assert.match(text(r), /Ada v1/);
      const call = lb.history.findLast((h) => h.rpc === 'tools/call');
      const answer = lb.history.find((h) => h.http === 'POST' && !h.rpc && JSON.stringify(h.body).includes('Ada v1'));
      assert.ok(call && answer, 'the call and the answer were POSTed');
      assert.notEqual(answer.node, call.node, 'the answer went to the other front node');
    } finally {
      await v1.close();
    }
    // 2026-07-28: the call answers input_required on one node; the retry with the answer lands on the other, where
    // the bridged call (still open on the child, waiting in-process) finds it and completes.
    const asked: unknown[] = [];
    const mc = await connectModern(fleet, {
      route: ({ body }) =>
        (body?.params as { requestState?: unknown } | undefined)?.requestState === undefined ? 0 : 1,
      capabilities: { elicitation: { form: {} } },
      setup: (c) =>
        c.setRequestHandler('elicitation/create', async (req) => {
          asked.push(req.params);
          return { action: 'accept', content: { name: 'Ada v2' } };
        }),
    });
    try {
      const r = await mc.client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
      assert.match(text(r), /Ada v2/);
      assert.equal(asked.length, 1, 'asked once');
      const retry = mc.lb.history.find((h) => h.rpc === 'tools/call' && h.node === 'front-b');
      assert.ok(retry, 'the retry went to front-b');
    } finally {
      await mc.close();
    }
  });

  test('v2 client (2026-07-28): lists and calls tools, reads a resource, gets a prompt, receives progress', async () => {
    const mc = await connectModern(fleet, { route: ({ index }) => index % 2 });
    try {
      const { tools } = await mc.client.listTools();
      assert.ok(tools.some((t) => t.name === 'echo'));
      const echo = await mc.client.callTool({ name: 'echo', arguments: { message: 'modern' } });
      assert.equal(text(echo), 'Echo: modern');
      const { resources } = await mc.client.listResources();
      assert.ok(resources.length > 0);
      const read = await mc.client.readResource({ uri: 'demo://resource/static/document/architecture.md' });
      assert.match((read.contents[0] as { text?: string }).text ?? '', /^# Everything Server/);
      const prompt = await mc.client.getPrompt({ name: 'simple-prompt' });
      assert.match(JSON.stringify(prompt.messages), /simple prompt/);
      const progress: number[] = [];
      const long = await mc.client.callTool(
        { name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 4 } },
        { onprogress: (p) => progress.push(p.progress) },
      );
      assert.match(text(long), /Long running operation completed/);
      assert.deepEqual(progress.slice(0, 3), [1, 2, 3], `progress: ${progress}`);
      const nodes = new Set(mc.lb.history.map((h) => h.node));
      assert.deepEqual([...nodes].sort(), ['front-a', 'front-b']);
    } finally {
      await mc.close();
    }
  });

  // Last: it kills front-a.
  test('v1 client: front-a is SIGKILLed mid-call; the call resumes on front-b and completes', async () => {
    const lb = createBalancer(fleet, 'a');
    const client = await connectV1(lb);
    try {
      const progress: number[] = [];
      let killed: Promise<void> | undefined;
      const result = await client.callTool(
        { name: 'trigger-long-running-operation', arguments: { duration: 3, steps: 10 } },
        undefined,
        {
          timeout: 30_000,
          resetTimeoutOnProgress: true,
          onprogress: (p) => {
            progress.push(p.progress);
            if (progress.length === 3 && !killed) {
              lb.target = 'b';
              killed = fleet.front('a').kill('SIGKILL');
            }
          },
        },
      );
      assert.ok(killed, 'front-a was killed during the call');
      await killed;
      assert.match(text(result), /Long running operation completed. Duration: 3 seconds, Steps: 10/);
      assert.deepEqual(
        progress.slice(0, 9),
        [1, 2, 3, 4, 5, 6, 7, 8, 9],
        `each progress value once, in order, across the resume: ${progress}`,
      );
      const resumes = lb.history.filter(
        (h) => h.http === 'GET' && h.headers.get('last-event-id') && h.node === 'front-b',
      );
      assert.ok(resumes.length >= 1, 'the client resumed with Last-Event-ID on front-b');
    } finally {
      await client.close();
    }
  });
});
