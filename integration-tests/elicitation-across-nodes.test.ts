// Elicitation (elicitation/create, a server→client request) across front nodes, for every protocol version: the
// tools/call is POSTed to node A, the elicitation request travels on that call's stream, and the client's answer is
// POSTed to node B. Elicitation exists from 2025-06-18; older sessions cannot be asked, whatever the client says.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ElicitRequestSchema, type ElicitRequest, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { startFleet, type Fleet } from './harness/index.ts';
import {
  ALL_VERSIONS,
  allAnswered,
  connectVersioned,
  onStandaloneStream,
  resultText,
  type PostRoute,
  type ProtocolVersion,
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

const HAS_ELICITATION: Record<ProtocolVersion, boolean> = {
  '2024-11-05': false,
  '2025-03-26': false,
  '2025-06-18': true,
  '2025-11-25': true,
};

/** A client that declares elicitation (both spellings: `{}` means form mode) and answers every question. */
async function elicitingClient(version: ProtocolVersion) {
  const asked: ElicitRequest['params'][] = [];
  const c = await connectVersioned(fleet, {
    version,
    streamNode: 'a',
    route: answersToB,
    capabilities: { elicitation: version === '2025-11-25' ? { form: {} } : {} },
    setup: (client) =>
      client.setRequestHandler(ElicitRequestSchema, (req): ElicitResult => {
        asked.push(req.params);
        if (req.params.message.includes('decline')) return { action: 'decline' };
        return { action: 'accept', content: { answer: '42' } };
      }),
  });
  assert.equal(c.negotiated, version);
  return { c, asked };
}

describe("elicitation: asked on the call's stream (A), answered through B", () => {
  for (const version of ALL_VERSIONS) {
    if (!HAS_ELICITATION[version]) {
      test(`${version}: the session cannot be asked, even though the client declared elicitation`, async () => {
        const { c, asked } = await elicitingClient(version);
        try {
          const r = await c.client.callTool({ name: 'ask_user', arguments: { question: 'What is the answer?' } });
          assert.equal(r.isError, true, `a ${version} session has no elicitation: ${JSON.stringify(r)}`);
          assert.match(resultText(r), /elicitation/i);
          assert.deepEqual(asked, [], `no elicitation/create sent to a ${version} client`);
        } finally {
          await c.close();
        }
      });
      continue;
    }

    test(`${version}: accept → the tool gets the answer`, async () => {
      const { c, asked } = await elicitingClient(version);
      try {
        const r = await c.client.callTool({ name: 'ask_user', arguments: { question: 'What is the answer?' } });
        assert.notEqual(r.isError, true, JSON.stringify(r));
        assert.equal(resultText(r), 'the user answered: 42');

        assert.equal(asked.length, 1, `asked once: ${JSON.stringify(asked)}`);
        assert.equal(asked[0]!.message, 'What is the answer?');
        const schema = (asked[0] as { requestedSchema?: { properties?: Record<string, { type?: string }> } })
          .requestedSchema;
        assert.equal(schema?.properties?.answer?.type, 'string', JSON.stringify(asked[0]));
        // The request came on the tools/call stream, not on the standalone GET stream.
        assert.equal(onStandaloneStream(c, 'elicitation/create'), 0);

        const call = c.sent.filter((s) => s.rpc === 'tools/call');
        assert.deepEqual(
          call.map((s) => [s.node, s.status]),
          [['front-a', 200]],
        );
        const answers = c.sent.filter((s) => s.kind === 'response');
        assert.equal(answers.length, 1, JSON.stringify(answers.map((a) => a.body)));
        await allAnswered(c); // the tool's result may come back before the answer's own 202 does
        assert.deepEqual([answers[0]!.node, answers[0]!.status], ['front-b', 202]);
        const request = c.received.find((m) => 'method' in m && m.method === 'elicitation/create') as
          | { id: unknown }
          | undefined;
        assert.ok(request, 'the client received elicitation/create');
        assert.deepEqual(
          (answers[0]!.body as { id: unknown }).id,
          request.id,
          'the answer POSTed to B answers that request',
        );
      } finally {
        await c.close();
      }
    });

    test(`${version}: decline → the tool hears the user declined`, async () => {
      const { c, asked } = await elicitingClient(version);
      try {
        const r = await c.client.callTool({ name: 'ask_user', arguments: { question: 'Will you decline?' } });
        assert.notEqual(r.isError, true, JSON.stringify(r));
        assert.equal(resultText(r), 'the user chose to decline');
        assert.equal(asked.length, 1);
      } finally {
        await c.close();
      }
    });
  }
});

describe('elicitation: a client without the capability', () => {
  for (const version of ALL_VERSIONS) {
    test(`${version}: ask_user is a tool error naming elicitation; nothing is asked`, async () => {
      const c = await connectVersioned(fleet, { version, streamNode: 'a', route: answersToB });
      try {
        const r = await c.client.callTool({ name: 'ask_user', arguments: { question: 'Anyone there?' } });
        assert.equal(r.isError, true, JSON.stringify(r));
        assert.match(resultText(r), /elicitation/i);
        assert.deepEqual(
          c.received.filter((m) => 'method' in m && m.method === 'elicitation/create'),
          [],
        );
        assert.deepEqual(
          c.sent.filter((s) => s.kind === 'response'),
          [],
          'the client had nothing to answer',
        );
        // The session goes on working.
        const ok = await c.client.callTool({ name: 'echo', arguments: { text: 'still fine' } });
        assert.equal(resultText(ok), 'still fine');
      } finally {
        await c.close();
      }
    });
  }
});
