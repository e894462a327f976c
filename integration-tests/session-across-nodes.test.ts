// A session lives in Redis, not in a node: created on one front node, it works on any other (no sticky routing).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LoggingMessageNotificationSchema, type LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import {
  connectClient,
  createBalancer,
  mediaType,
  post,
  readJson,
  rpcRequest,
  sleep,
  startFleet,
  type Fleet,
} from './harness/index.ts';

let fleet: Fleet;

before(async () => {
  fleet = await startFleet({ fronts: 2, workers: 1 });
});

after(async () => {
  await fleet?.stop();
});

const ALL_LEVELS: LoggingLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

function initRequest(protocolVersion: string) {
  return rpcRequest('initialize', {
    protocolVersion,
    capabilities: {},
    clientInfo: { name: 'session-test', version: '0.0.0' },
  });
}

/** Waits until `cond` holds or `ms` passed, without failing: the assertion after it shows what arrived. */
async function settle(cond: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await sleep(20);
}

describe('initialize', () => {
  test('answers application/json with an Mcp-Session-Id (base64url, ≥ 22 chars) and the server capabilities', async () => {
    const res = await post(fleet.front('a').url, initRequest('2025-11-25'));
    assert.equal(res.status, 200);
    assert.equal(mediaType(res), 'application/json');
    const sessionId = res.headers.get('mcp-session-id');
    assert.ok(sessionId, 'mcp-session-id header');
    assert.match(sessionId, /^[A-Za-z0-9_-]{22,}$/);
    const body = (await readJson(res)) as {
      jsonrpc: string;
      id: number;
      result: {
        protocolVersion: string;
        serverInfo?: { name?: string };
        capabilities?: Record<string, unknown>;
        instructions?: string;
      };
    };
    assert.equal(body.jsonrpc, '2.0');
    assert.equal(body.result.protocolVersion, '2025-11-25');
    assert.equal(typeof body.result.serverInfo?.name, 'string');
    assert.ok(body.result.capabilities?.tools, `tools capability: ${JSON.stringify(body.result.capabilities)}`);
    assert.ok(body.result.capabilities?.logging, `logging capability: ${JSON.stringify(body.result.capabilities)}`);

    const again = await post(fleet.front('b').url, initRequest('2025-11-25'));
    const other = again.headers.get('mcp-session-id');
    assert.ok(other);
    assert.notEqual(other, sessionId, 'every initialize creates a new session');
  });

  test('negotiates the client version when supported, else 2025-11-25', async () => {
    const cases: [string, string][] = [
      ['2025-03-26', '2025-03-26'],
      ['2025-06-18', '2025-06-18'],
      ['2025-11-25', '2025-11-25'],
      ['2024-11-05', '2025-11-25'],
      ['2099-01-01', '2025-11-25'],
    ];
    for (const [asked, expected] of cases) {
      const res = await post(fleet.front('a').url, initRequest(asked));
      assert.equal(res.status, 200, `initialize ${asked}`);
      const body = (await readJson(res)) as { result: { protocolVersion: string } };
      assert.equal(body.result.protocolVersion, expected, `initialize with ${asked}`);
    }
  });
});

describe('requests a front node answers itself', () => {
  test('ping, tools/list and logging/setLevel come back as application/json, on either node', async () => {
    const res = await post(fleet.front('a').url, initRequest('2025-11-25'));
    const headers = { 'mcp-session-id': res.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-11-25' };
    await res.text();
    const cases: [string, string, Record<string, unknown> | undefined][] = [
      ['a', 'ping', undefined],
      ['b', 'ping', undefined],
      ['b', 'tools/list', {}],
      ['a', 'logging/setLevel', { level: 'error' }],
    ];
    for (const [node, method, params] of cases) {
      const id = `${method}-${node}`;
      const r = await post(fleet.front(node).url, rpcRequest(method, params, id), headers);
      assert.equal(r.status, 200, `${method} on ${node}`);
      assert.equal(mediaType(r), 'application/json', `${method} on ${node}`);
      const body = (await readJson(r)) as { jsonrpc: string; id: string; result?: Record<string, unknown> };
      assert.equal(body.jsonrpc, '2.0');
      assert.equal(body.id, id);
      assert.ok(body.result, `${method} has a result: ${JSON.stringify(body)}`);
      if (method === 'tools/list') {
        const names = (body.result.tools as { name: string }[]).map((t) => t.name);
        for (const n of ['echo', 'count', 'fail', 'log_levels'])
          assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
      } else {
        assert.deepEqual(body.result, {});
      }
    }
  });
});

describe('one session, two nodes', () => {
  test('created on A, used on B: tools/list, tools/call, ping', async () => {
    const lb = createBalancer(fleet);
    lb.route = ({ rpc }) => (rpc === 'initialize' ? 'a' : 'b');
    const c = await connectClient(lb);
    try {
      const { tools } = await c.client.listTools();
      const names = tools.map((t) => t.name);
      for (const n of ['echo', 'count', 'fail', 'log_levels'])
        assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
      const r = await c.client.callTool({ name: 'echo', arguments: { text: 'made on A, served by B' } });
      assert.deepEqual(r.content, [{ type: 'text', text: 'made on A, served by B' }]);
      assert.deepEqual(await c.client.ping(), {});

      const init = lb.history.filter((h) => h.rpc === 'initialize');
      assert.deepEqual(
        init.map((h) => [h.node, h.status]),
        [['front-a', 200]],
      );
      for (const method of ['tools/list', 'tools/call', 'ping']) {
        const sent = lb.history.filter((h) => h.rpc === method);
        assert.ok(sent.length >= 1, `${method} was sent`);
        for (const h of sent) assert.deepEqual([h.node, h.status], ['front-b', 200], `${method} served by B`);
      }
      assert.ok(
        lb.history.every((h) => h.error === undefined),
        JSON.stringify(lb.history.map((h) => h.error)),
      );
    } finally {
      await c.close();
    }
  });

  test('round-robin over both nodes: every request works wherever it lands', async () => {
    const lb = createBalancer(fleet);
    let n = 0;
    lb.route = () => n++ % 2;
    const c = await connectClient(lb);
    try {
      for (let i = 0; i < 6; i++) {
        const r = await c.client.callTool({ name: 'echo', arguments: { text: `call ${i}` } });
        assert.deepEqual(r.content, [{ type: 'text', text: `call ${i}` }]);
      }
      const calls = lb.history.filter((h) => h.rpc === 'tools/call');
      assert.deepEqual(
        new Set(calls.map((h) => h.node)),
        new Set(['front-a', 'front-b']),
        'calls landed on both nodes',
      );
      assert.ok(calls.every((h) => h.status === 200));
    } finally {
      await c.close();
    }
  });
});

describe('logging/setLevel', () => {
  async function levelsLogged(setLevel: LoggingLevel | undefined): Promise<LoggingLevel[]> {
    const lb = createBalancer(fleet);
    // The level is set through B and the tool is called through A: the level is session state, not node state.
    lb.route = ({ rpc }) => (rpc === 'logging/setLevel' ? 'b' : 'a');
    const c = await connectClient(lb);
    const levels: LoggingLevel[] = [];
    const data: unknown[] = [];
    c.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      levels.push(n.params.level);
      data.push(n.params.data);
    });
    try {
      if (setLevel) assert.deepEqual(await c.client.setLoggingLevel(setLevel), {});
      const r = await c.client.callTool({ name: 'log_levels', arguments: {} });
      assert.notEqual(r.isError, true, JSON.stringify(r));
      assert.equal((r.content as { type: string }[])[0]?.type, 'text');
      const expected = ALL_LEVELS.slice(ALL_LEVELS.indexOf(setLevel ?? 'info'));
      await settle(() => levels.length >= expected.length);
      await sleep(100); // anything more would be a message that should have been filtered
      assert.ok(
        data.every((d) => d !== undefined && d !== null && d !== ''),
        `each message has data: ${JSON.stringify(data)}`,
      );
      if (setLevel) {
        const sent = lb.history.filter((h) => h.rpc === 'logging/setLevel');
        assert.deepEqual(
          sent.map((h) => [h.node, h.status]),
          [['front-b', 200]],
        );
      }
      return levels;
    } finally {
      await c.close();
    }
  }

  test('set to warning on B: log_levels called on A delivers warning and above only', async () => {
    assert.deepEqual(await levelsLogged('warning'), ['warning', 'error', 'critical', 'alert', 'emergency']);
  });

  test('set to debug: every level is delivered', async () => {
    assert.deepEqual(await levelsLogged('debug'), ALL_LEVELS);
  });

  test('never set: the threshold is info', async () => {
    assert.deepEqual(await levelsLogged(undefined), [
      'info',
      'notice',
      'warning',
      'error',
      'critical',
      'alert',
      'emergency',
    ]);
  });

  test('set on B after A recalled the session for its calls: the next call on A uses the new level', async () => {
    const lb = createBalancer(fleet);
    lb.route = ({ rpc }) => (rpc === 'logging/setLevel' ? 'b' : 'a');
    const c = await connectClient(lb);
    const levels: LoggingLevel[] = [];
    c.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      levels.push(n.params.level);
    });
    const logged = async (expected: LoggingLevel[]) => {
      levels.length = 0;
      const r = await c.client.callTool({ name: 'log_levels', arguments: {} });
      assert.notEqual(r.isError, true, JSON.stringify(r));
      await settle(() => levels.length >= expected.length);
      await sleep(100); // anything more would be a message that should have been filtered
      assert.deepEqual(levels, expected);
    };
    try {
      // Two calls on A at the default level: A recalls the session from the second on (SESSION_CACHE_SIZE).
      await logged(ALL_LEVELS.slice(ALL_LEVELS.indexOf('info')));
      await logged(ALL_LEVELS.slice(ALL_LEVELS.indexOf('info')));
      assert.deepEqual(await c.client.setLoggingLevel('error'), {});
      await logged(['error', 'critical', 'alert', 'emergency']);
      assert.deepEqual(
        lb.history.filter((h) => h.rpc === 'tools/call' || h.rpc === 'logging/setLevel').map((h) => [h.rpc, h.node]),
        [
          ['tools/call', 'front-a'],
          ['tools/call', 'front-a'],
          ['logging/setLevel', 'front-b'],
          ['tools/call', 'front-a'],
        ],
      );
    } finally {
      await c.close();
    }
  });

  test('an unknown level is rejected with -32602', async () => {
    const res = await post(fleet.front('a').url, initRequest('2025-11-25'));
    const sessionId = res.headers.get('mcp-session-id')!;
    await res.text();
    const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
    const bad = await post(fleet.front('b').url, rpcRequest('logging/setLevel', { level: 'loud' }, 77), headers);
    assert.equal(bad.status, 200);
    const body = (await readJson(bad)) as { id: number; error?: { code: number } };
    assert.equal(body.id, 77);
    assert.equal(body.error?.code, -32602, JSON.stringify(body));
  });
});
