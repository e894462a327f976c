// What a bridged stdio server says outside a tool's result reaches the fleet's clients: the logs it sends while a call
// runs (filtered by the caller's logging/setLevel), and a tool list that changes at run time — every session hears
// list_changed and the new tool is callable through either front node.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import {
  LoggingMessageNotificationSchema,
  ToolListChangedNotificationSchema,
  type LoggingMessageNotification,
} from '@modelcontextprotocol/sdk/types.js';
import { allText as text, startBridgeWorker, type BridgeWorker } from './harness/bridge-worker.ts';
import { connectClient, createBalancer, eventually, startFleet, type Fleet } from './harness/index.ts';

let fleet: Fleet;
let bridge: BridgeWorker;

before(async () => {
  fleet = await startFleet({ fronts: 2, workers: 0 });
  bridge = await startBridgeWorker(fleet, {
    nodeId: 'bridge-relays',
    command: process.execPath,
    args: ['--import', 'tsx', fileURLToPath(new URL('./fixtures/stdio-server.ts', import.meta.url))],
    flags: ['--children', '1'],
  });
});

after(async () => {
  await bridge?.proc.stop();
  await fleet?.stop();
});

describe('bridge: logs and list changes of the stdio server', () => {
  test("the child's logs during a call reach the caller, at the caller's level", async () => {
    const c = await connectClient(createBalancer(fleet, 'a'));
    try {
      const logs: LoggingMessageNotification['params'][] = [];
      c.client.setNotificationHandler(LoggingMessageNotificationSchema, async (n) => {
        logs.push(n.params);
      });
      await c.client.setLoggingLevel('info');
      const r = await c.client.callTool({ name: 'log_and_answer', arguments: { text: 'hello' } });
      assert.equal(text(r), 'answered: hello');
      // debug is below the session's level: only the warning arrives, before the result.
      assert.deepEqual(logs, [{ level: 'warning', logger: 'fixture', data: 'hello' }]);
    } finally {
      await c.close();
    }
  });

  test('a tool added at run time: sessions on both nodes hear list_changed, and the tool can be called', async () => {
    const onA = await connectClient(createBalancer(fleet, 'a'));
    const onB = await connectClient(createBalancer(fleet, 'b'));
    try {
      const heard = { a: 0, b: 0 };
      onA.client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
        heard.a++;
      });
      onB.client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
        heard.b++;
      });
      assert.ok(!(await onB.client.listTools()).tools.some((t) => t.name === 'late_tool'));
      // Let both sessions' GET streams open before the change.
      await new Promise((r) => setTimeout(r, 500));
      const added = await onA.client.callTool({ name: 'add_tool', arguments: { name: 'late_tool' } });
      assert.equal(text(added), 'added late_tool');
      await eventually(() => heard.a > 0 && heard.b > 0, 10_000, 'list_changed on both sessions');
      const { tools } = await onB.client.listTools();
      assert.ok(
        tools.some((t) => t.name === 'late_tool'),
        `late_tool in ${tools.map((t) => t.name)}`,
      );
      assert.equal(text(await onB.client.callTool({ name: 'late_tool', arguments: {} })), 'I am late_tool');
    } finally {
      await onA.close();
      await onB.close();
    }
  });
});
