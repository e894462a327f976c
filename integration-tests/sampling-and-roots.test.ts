// Sampling (sampling/createMessage) and roots (roots/list), server→client requests every protocol version has, across
// front nodes: the tools/call is POSTed to node A, the request travels on that call's stream (2024-11-05: the SSE
// stream, held by A), and the client's answer is POSTed to node B.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateMessageRequestSchema,
  ListRootsRequestSchema,
  type CreateMessageRequest,
  type CreateMessageResult,
  type ListRootsResult,
} from '@modelcontextprotocol/sdk/types.js';
import { startFleet, type Fleet } from './harness/index.ts';
import {
  ALL_VERSIONS,
  allAnswered,
  connectVersioned,
  onStandaloneStream,
  resultText,
  type PostRoute,
  type ProtocolVersion,
  type VersionedClient,
} from './harness/versions.ts';

let fleet: Fleet;

before(async () => {
  fleet = await startFleet({ fronts: 2, workers: 1 });
});

after(async () => {
  await fleet?.stop();
});

/** Requests to A, the client's answers (JSON-RPC responses) to B. */
const answersToB: PostRoute = ({ kind }) => (kind === 'response' ? 'b' : 'a');

const ROOTS = [{ uri: 'file:///home/user/project', name: 'project' }, { uri: 'file:///home/user/notes' }];

async function capableClient(version: ProtocolVersion) {
  const sampled: CreateMessageRequest['params'][] = [];
  let rootsAsked = 0;
  const c = await connectVersioned(fleet, {
    version,
    streamNode: 'a',
    route: answersToB,
    capabilities: { sampling: {}, roots: {} },
    setup: (client) => {
      client.setRequestHandler(CreateMessageRequestSchema, (req): CreateMessageResult => {
        sampled.push(req.params);
        const first = req.params.messages[0]?.content as { type: string; text?: string } | undefined;
        return {
          role: 'assistant',
          model: 'test-model',
          stopReason: 'endTurn',
          content: { type: 'text', text: `you said "${first?.text}"` },
        };
      });
      client.setRequestHandler(ListRootsRequestSchema, (): ListRootsResult => {
        rootsAsked++;
        return { roots: ROOTS };
      });
    },
  });
  assert.equal(c.negotiated, version);
  return { c, sampled, rootsAsked: () => rootsAsked };
}

/** The request `method` reached the client on the call's stream (Streamable HTTP) and its one answer went to B. */
async function checkRoute(c: VersionedClient, method: string): Promise<void> {
  await allAnswered(c); // the tool's result may come back before the answer's own 202 does
  const requests = c.received.filter((m) => 'method' in m && m.method === method && 'id' in m) as { id: unknown }[];
  assert.equal(requests.length, 1, `${method} received once`);
  // Streamable HTTP: on the tools/call response stream, not the GET stream; 2024-11-05 has only the SSE stream.
  assert.equal(onStandaloneStream(c, method), c.legacy ? 1 : 0);
  const calls = c.sent.filter((s) => s.rpc === 'tools/call');
  assert.deepEqual(
    calls.map((s) => [s.node, s.status]),
    [['front-a', c.legacy ? 202 : 200]],
  );
  const answers = c.sent.filter((s) => s.kind === 'response');
  assert.equal(answers.length, 1, JSON.stringify(answers.map((a) => a.body)));
  assert.deepEqual([answers[0]!.node, answers[0]!.status], ['front-b', 202]);
  assert.deepEqual(
    (answers[0]!.body as { id: unknown }).id,
    requests[0]!.id,
    'the answer POSTed to B answers that request',
  );
}

describe('sampling: asked on A, answered through B', () => {
  for (const version of ALL_VERSIONS) {
    test(version, async () => {
      const { c, sampled } = await capableClient(version);
      try {
        const r = await c.client.callTool({ name: 'ask_model', arguments: { prompt: 'What is 6 × 7?' } });
        assert.notEqual(r.isError, true, JSON.stringify(r));
        assert.equal(resultText(r), 'the model said: you said "What is 6 × 7?"');
        assert.equal(sampled.length, 1);
        assert.deepEqual(sampled[0]!.messages, [{ role: 'user', content: { type: 'text', text: 'What is 6 × 7?' } }]);
        assert.equal(sampled[0]!.maxTokens, 200);
        await checkRoute(c, 'sampling/createMessage');
      } finally {
        await c.close();
      }
    });
  }
});

describe('roots: asked on A, answered through B', () => {
  for (const version of ALL_VERSIONS) {
    test(version, async () => {
      const { c, rootsAsked } = await capableClient(version);
      try {
        const r = await c.client.callTool({ name: 'list_roots', arguments: {} });
        assert.notEqual(r.isError, true, JSON.stringify(r));
        assert.equal(resultText(r), 'file:///home/user/project\nfile:///home/user/notes');
        assert.equal(rootsAsked(), 1);
        await checkRoute(c, 'roots/list');
      } finally {
        await c.close();
      }
    });
  }
});

describe('without the capabilities', () => {
  for (const version of ALL_VERSIONS) {
    test(`${version}: ask_model and list_roots are tool errors naming the capability; nothing is asked`, async () => {
      const c = await connectVersioned(fleet, { version, streamNode: 'a', route: answersToB });
      try {
        const m = await c.client.callTool({ name: 'ask_model', arguments: { prompt: 'hello?' } });
        assert.equal(m.isError, true, JSON.stringify(m));
        assert.match(resultText(m), /sampling/i);
        const r = await c.client.callTool({ name: 'list_roots', arguments: {} });
        assert.equal(r.isError, true, JSON.stringify(r));
        assert.match(resultText(r), /roots/i);
        assert.deepEqual(
          c.received.filter((x) => 'method' in x && 'id' in x),
          [],
          'no server→client request was sent',
        );
        assert.deepEqual(
          c.sent.filter((s) => s.kind === 'response'),
          [],
        );
      } finally {
        await c.close();
      }
    });
  }
});
