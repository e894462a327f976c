// Multi-round-trip requests (MRTR, 2026-07-28): a tool that needs the client (elicitation, sampling, roots) answers
// the first POST with `resultType: "input_required"`, its questions and a signed requestState; the client retries —
// a new request, on any front node — with the answers and the state, and gets the result. The state is checked:
// tampered, forged, bound to other arguments, or expired, it is refused with -32602.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError, type Client } from '@modelcontextprotocol/client';
import { sleep, startFleet, type Fleet } from './harness/index.ts';
import {
  complaints,
  connectModern,
  modernCall,
  resultOf,
  textOf,
  type Exchange,
  type JsonObject,
  type ModernAnswer,
  type ModernClient,
  type ModernRoute,
} from './harness/modern.ts';

const STATE_TTL_SECONDS = 10; // the smallest REQUEST_STATE_TTL_SECONDS allowed
let fleet: Fleet;
const clients: ModernClient[] = [];

/** First round of ask_user, minted in before(): its state has expired by the time the last test runs. */
let early: { round: FirstRound; mintedAt: number } | undefined;

before(async () => {
  fleet = await startFleet({
    fronts: 2,
    workers: 1,
    // Parked calls whose state is never redeemed (the expired one) give up after 8 s, so the fleet stops promptly.
    env: { REQUEST_STATE_TTL_SECONDS: String(STATE_TTL_SECONDS), SERVER_REQUEST_TIMEOUT_MS: '8000' },
  });
  early = { round: await askUser('a', 'will this expire?'), mintedAt: Date.now() };
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  for (const f of fleet?.fronts ?? []) {
    const c = complaints(f.proc);
    if (c.length) console.log(`[modern-mrtr] ${f.nodeId} warnings/stderr:\n${c.join('\n')}`);
  }
  await fleet?.stop();
});

/** Routes a call's first round to `first` and every retry (a body with requestState) to `retry`. */
function firstThenRetry(first: string, retry: string): ModernRoute {
  return ({ body }) => ((body?.params as JsonObject | undefined)?.requestState === undefined ? first : retry);
}

async function client(route: ModernRoute, capabilities: JsonObject, setup: (c: Client) => void): Promise<ModernClient> {
  const mc = await connectModern(fleet, { route, capabilities, setup });
  clients.push(mc);
  return mc;
}

/** The two tools/call POSTs of one MRTR call: the first round and the retry. */
function rounds(mc: ModernClient): { first: Exchange; retry: Exchange } {
  const calls = mc.lb.posts('tools/call');
  assert.equal(
    calls.length,
    2,
    `two tools/call POSTs: ${JSON.stringify(calls.map((c) => [c.node, c.status, c.messages]))}`,
  );
  return { first: calls[0]!, retry: calls[1]! };
}

/** Checks the first round answered input_required with one request of `method`, and the retry echoed it all. */
function assertRoundTrip(
  mc: ModernClient,
  method: string,
  firstNode: string,
  retryNode: string,
): { inputParams: JsonObject; answer: unknown } {
  const { first, retry } = rounds(mc);
  assert.equal(first.node, firstNode, 'first round landed where routed');
  assert.equal(retry.node, retryNode, 'retry landed where routed');
  assert.equal(first.status, 200);
  const r1 = resultOf(first);
  assert.equal(r1.resultType, 'input_required', `first round: ${JSON.stringify(r1)}`);
  const requests = r1.inputRequests as Record<string, { method: string; params: JsonObject }>;
  const keys = Object.keys(requests);
  assert.equal(keys.length, 1, `one input request: ${JSON.stringify(requests)}`);
  assert.equal(requests[keys[0]!]!.method, method);
  assert.equal(typeof r1.requestState, 'string');

  const p2 = retry.body!.params as JsonObject;
  assert.notEqual(retry.body!.id, first.body!.id, 'the retry is a new request');
  assert.equal(p2.requestState, r1.requestState, 'the retry echoes the requestState byte for byte');
  assert.deepEqual(Object.keys(p2.inputResponses as JsonObject), keys, 'the retry answers exactly the requests asked');
  assert.deepEqual(p2.arguments, (first.body!.params as JsonObject).arguments, 'same arguments');
  const r2 = resultOf(retry);
  assert.equal(r2.resultType, 'complete', `retry: ${JSON.stringify(r2)}`);
  return { inputParams: requests[keys[0]!]!.params, answer: (p2.inputResponses as JsonObject)[keys[0]!] };
}

// ---- raw rounds -------------------------------------------------------------------------------------------

const ELICIT = { elicitation: { form: {} } };

interface FirstRound {
  question: string;
  node: string;
  key: string;
  state: string;
  answer: ModernAnswer;
}

async function askUser(node: string, question: string): Promise<FirstRound> {
  const answer = await modernCall(fleet.front(node).url, {
    method: 'tools/call',
    params: { name: 'ask_user', arguments: { question } },
    envelope: { capabilities: ELICIT },
  });
  assert.equal(answer.status, 200, answer.raw);
  assert.equal(answer.result?.resultType, 'input_required', answer.raw);
  const requests = answer.result!.inputRequests as Record<string, { method: string; params: JsonObject }>;
  const key = Object.keys(requests)[0]!;
  assert.equal(requests[key]!.method, 'elicitation/create');
  assert.equal(requests[key]!.params.message, question);
  return { question, node, key, state: answer.result!.requestState as string, answer };
}

function retryAsk(
  node: string,
  round: FirstRound,
  opts: { state?: string; question?: string; name?: string; responses?: JsonObject; answerText?: string } = {},
): Promise<ModernAnswer> {
  const name = opts.name ?? 'ask_user';
  return modernCall(fleet.front(node).url, {
    method: 'tools/call',
    params: {
      name,
      arguments: name === 'ask_user' ? { question: opts.question ?? round.question } : { text: 'x' },
      inputResponses: opts.responses ?? {
        [round.key]: { action: 'accept', content: { answer: opts.answerText ?? 'yes' } },
      },
      requestState: opts.state ?? round.state,
    },
    envelope: { capabilities: ELICIT },
  });
}

const INVALID_STATE = 'Invalid or expired requestState';

function assertRefused(a: ModernAnswer, message: string | RegExp, what: string): void {
  assert.equal(a.result, undefined, `${what}: no result (${a.raw})`);
  assert.equal(a.error?.code, -32602, `${what}: -32602 (${a.raw})`);
  if (typeof message === 'string') assert.equal(a.error?.message, message, what);
  else assert.match(a.error!.message, message, what);
}

/** The decoded body of a `v1.<body>.<mac>` requestState, and a re-encoder for a modified body (same MAC). */
function openState(state: string): { body: { p: JsonObject; exp: number; b?: string }; reseal(body: unknown): string } {
  const m = /^v1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(state);
  assert.ok(m, `requestState has the v1.<body>.<mac> shape: ${state}`);
  return {
    body: JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8')),
    reseal: (body) => `v1.${Buffer.from(JSON.stringify(body)).toString('base64url')}.${m[2]}`,
  };
}

describe('MRTR with the v2 client across two front nodes', () => {
  for (const [firstNode, retryNode] of [
    ['a', 'b'],
    ['b', 'a'],
  ] as const) {
    test(`elicitation: input_required from ${firstNode.toUpperCase()}, the retry on ${retryNode.toUpperCase()} completes the call`, async () => {
      const asked: JsonObject[] = [];
      const mc = await client(firstThenRetry(firstNode, retryNode), ELICIT, (c) => {
        c.setRequestHandler('elicitation/create', async (req) => {
          asked.push(req.params as JsonObject);
          return { action: 'accept', content: { answer: `42 via ${retryNode}` } };
        });
      });
      const result = await mc.client.callTool({ name: 'ask_user', arguments: { question: 'meaning of life?' } });
      assert.equal(textOf(result), `the user answered: 42 via ${retryNode}`);

      assert.equal(asked.length, 1, 'the elicitation handler ran once');
      assert.equal(asked[0]!.message, 'meaning of life?');
      const { inputParams, answer } = assertRoundTrip(
        mc,
        'elicitation/create',
        `front-${firstNode}`,
        `front-${retryNode}`,
      );
      assert.equal(inputParams.message, 'meaning of life?');
      assert.deepEqual((inputParams.requestedSchema as JsonObject).required, ['answer']);
      assert.deepEqual(answer, { action: 'accept', content: { answer: `42 via ${retryNode}` } });
    });
  }

  test('elicitation declined: the tool hears the decline through the retry', async () => {
    const mc = await client(firstThenRetry('b', 'a'), ELICIT, (c) => {
      c.setRequestHandler('elicitation/create', async () => ({ action: 'decline' }));
    });
    const result = await mc.client.callTool({ name: 'ask_user', arguments: { question: 'share your email?' } });
    assert.equal(textOf(result), 'the user chose to decline');
    assertRoundTrip(mc, 'elicitation/create', 'front-b', 'front-a');
  });

  test("sampling: ask_model gets the client model's reply through a retry on the other node", async () => {
    const prompts: unknown[] = [];
    const mc = await client(firstThenRetry('a', 'b'), { sampling: {} }, (c) => {
      c.setRequestHandler('sampling/createMessage', async (req) => {
        const content = req.params.messages[0]!.content as { text?: string };
        prompts.push(content.text);
        return { model: 'test-model', role: 'assistant', content: { type: 'text', text: `echo: ${content.text}` } };
      });
    });
    const result = await mc.client.callTool({ name: 'ask_model', arguments: { prompt: 'say hi' } });
    assert.equal(textOf(result), 'the model said: echo: say hi');
    assert.deepEqual(prompts, ['say hi']);
    const { inputParams } = assertRoundTrip(mc, 'sampling/createMessage', 'front-a', 'front-b');
    assert.equal(inputParams.maxTokens, 200);
  });

  test("roots: list_roots gets the client's roots through a retry on the other node", async () => {
    const mc = await client(firstThenRetry('b', 'a'), { roots: {} }, (c) => {
      c.setRequestHandler('roots/list', async () => ({
        roots: [{ uri: 'file:///work/alpha', name: 'alpha' }, { uri: 'file:///work/beta' }],
      }));
    });
    const result = await mc.client.callTool({ name: 'list_roots', arguments: {} });
    assert.equal(textOf(result), 'file:///work/alpha\nfile:///work/beta');
    assertRoundTrip(mc, 'roots/list', 'front-b', 'front-a');
  });

  test('a client without the elicitation capability gets -32021 naming it, and no input_required', async () => {
    const mc = await client(
      () => 'a',
      {},
      () => {},
    );
    await assert.rejects(mc.client.callTool({ name: 'ask_user', arguments: { question: 'q?' } }), (err: unknown) => {
      assert.ok(err instanceof ProtocolError, `a ProtocolError: ${String(err)}`);
      assert.equal(err.code, -32021);
      assert.ok(
        (err.data as { requiredCapabilities?: JsonObject } | undefined)?.requiredCapabilities?.elicitation,
        `data.requiredCapabilities.elicitation: ${JSON.stringify(err.data)}`,
      );
      return true;
    });
    assert.equal(mc.lb.posts('tools/call').length, 1, 'nothing to retry');
  });
});

describe('requestState integrity (raw wire, retries on the other node)', () => {
  test('a tampered MAC, a tampered payload and a made-up state are refused; the genuine state still works', async () => {
    const round = await askUser('a', 'tamper with me?');
    const { body, reseal } = openState(round.state);
    assert.ok(
      typeof body.exp === 'number' && body.p && typeof body.p === 'object',
      `state body: ${JSON.stringify(body)}`,
    );

    // The MAC: its first character changed (the last one of unpadded base64url carries padding bits, which a
    // decoder ignores, so changing it may not change the MAC at all).
    const macAt = round.state.lastIndexOf('.') + 1;
    const macChar = round.state[macAt];
    const badMac = round.state.slice(0, macAt) + (macChar === 'A' ? 'B' : 'A') + round.state.slice(macAt + 1);
    assertRefused(await retryAsk('b', round, { state: badMac }), INVALID_STATE, 'tampered MAC');

    // The payload: every field changed in turn, the MAC kept.
    const forgedPayloads = [
      { ...body, exp: body.exp + 3600 },
      { ...body, p: { ...body.p, q: 0 } },
      { ...body, p: { ...body.p, j: 'someone-elses-job' } },
      { ...body, b: 'AAAAAAAAAAAAAAAAAAAAAA' },
    ];
    for (const forged of forgedPayloads) {
      assertRefused(
        await retryAsk('b', round, { state: reseal(forged) }),
        INVALID_STATE,
        `tampered payload ${JSON.stringify(forged)}`,
      );
    }

    // Not ours at all.
    const madeUp = `v1.${Buffer.from(JSON.stringify({ p: body.p, exp: body.exp })).toString('base64url')}.${Buffer.alloc(32, 7).toString('base64url')}`;
    assertRefused(await retryAsk('b', round, { state: madeUp }), INVALID_STATE, 'made-up state');
    assertRefused(await retryAsk('b', round, { state: 'not-a-state' }), INVALID_STATE, 'garbage');

    // None of that disturbed the parked call: the genuine state completes it, on the other node.
    const ok = await retryAsk('b', round, { answerText: 'still here' });
    assert.equal(ok.status, 200, ok.raw);
    assert.equal(ok.result?.resultType, 'complete', ok.raw);
    assert.equal(textOf(ok.result), 'the user answered: still here');
  });

  test('a state reused with other arguments, another tool or another method is refused; without the answers it asks again', async () => {
    const round = await askUser('b', 'the original question?');

    assertRefused(
      await retryAsk('a', round, { question: 'a different question?' }),
      /requestState does not belong to this request/,
      'same tool, other arguments',
    );
    assertRefused(
      await retryAsk('a', round, { name: 'echo' }),
      /requestState does not belong to this request/,
      'another tool',
    );
    // Without the answers, the same question is asked again (SEP-2322: re-request rather than fail).
    const again = await retryAsk('a', round, { responses: {} });
    assert.equal(again.result?.resultType, 'input_required', `no answers: asked again (${again.raw})`);
    assert.deepEqual(Object.keys(again.result?.inputRequests ?? {}), [round.key], 'the same question, by its key');

    // Another method: the state is bound to tools/call.
    const onRead = await modernCall(fleet.front('a').url, {
      method: 'resources/read',
      params: {
        uri: 'greeting://Ada',
        inputResponses: { [round.key]: { action: 'accept', content: { answer: 'x' } } },
        requestState: round.state,
      },
      envelope: { capabilities: ELICIT },
    });
    assertRefused(onRead, INVALID_STATE, 'resources/read with a tools/call state');

    // The call itself is unharmed: the right arguments with the state complete it.
    const ok = await retryAsk('a', round, { answerText: 'original' });
    assert.equal(textOf(ok.result), 'the user answered: original', ok.raw);
  });

  test(`an expired state (REQUEST_STATE_TTL_SECONDS=${STATE_TTL_SECONDS}) is refused; a fresh one is not`, async () => {
    assert.ok(early, 'the early first round ran in before()');
    const { body } = openState(early.round.state);
    const mintedSec = Math.floor(early.mintedAt / 1000);
    assert.ok(
      Math.abs(body.exp - (mintedSec + STATE_TTL_SECONDS)) <= 1,
      `exp ${body.exp} ≈ minted ${mintedSec} + ${STATE_TTL_SECONDS}`,
    );

    // exp is in whole seconds and checked as `exp < now`: 2 s past the TTL it has certainly expired.
    const waitMs = early.mintedAt + (STATE_TTL_SECONDS + 2) * 1000 - Date.now();
    if (waitMs > 0) await sleep(waitMs);
    assertRefused(await retryAsk('b', early.round), INVALID_STATE, 'expired state');

    // Control: the same request with a fresh state, minted now, is accepted.
    const fresh = await askUser('a', early.round.question);
    const ok = await retryAsk('b', fresh, { answerText: 'in time' });
    assert.equal(textOf(ok.result), 'the user answered: in time', ok.raw);
  });
});
