// A bridged stdio server's process is SIGKILLed mid-call: a call of a tool that is not idempotent is answered with a
// clear error (not sent again) and the next call works on the restarted process; a call of an idempotent tool is
// sent again to the restarted process and completes, its progress still in order.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { allText as text, packageBin, startBridgeWorker, type BridgeWorker } from './harness/bridge-worker.ts';
import { FAST_RECONNECT, createBalancer, eventually, startFleet, type Fleet } from './harness/index.ts';

let fleet: Fleet;
let bridge: BridgeWorker;

before(async () => {
  fleet = await startFleet({ fronts: 2, workers: 0 });
  bridge = await startBridgeWorker(fleet, {
    nodeId: 'bridge-crash',
    command: process.execPath,
    args: [packageBin('@modelcontextprotocol/server-everything'), 'stdio'],
    // One child, so the call after a crash runs on the restarted process.
    flags: ['--children', '1', '--concurrency', '1', '--bridge-restart-backoff-ms', '200'],
  });
});

after(async () => {
  await bridge?.proc.stop();
  await fleet?.stop();
});

/** The v1 client, declaring sampling; `onSample` decides when (and whether) the sampling request is answered. */
async function connect(onSample: () => Promise<void>) {
  const lb = createBalancer(fleet, 'a');
  let n = 0;
  lb.route = () => (n++ % 2 === 0 ? 'a' : 'b');
  const client = new Client({ name: 'bridge-crash-tests', version: '0.0.0' }, { capabilities: { sampling: {} } });
  client.setRequestHandler(CreateMessageRequestSchema, async () => {
    await onSample();
    return { role: 'assistant', model: 'test-model', content: { type: 'text', text: 'late' } };
  });
  await client.connect(
    new StreamableHTTPClientTransport(lb.url, { fetch: lb.fetch, reconnectionOptions: FAST_RECONNECT }),
  );
  return client;
}

function killChild(): number {
  const pid = bridge.childPids().get(0);
  assert.ok(pid, 'the bridge logged its child');
  process.kill(pid, 'SIGKILL');
  return pid;
}

describe('bridge: the stdio server process dies mid-call', () => {
  test('a non-idempotent call gets a clear error; the next call works on the restarted process', async () => {
    let asked!: () => void;
    const sampling = new Promise<void>((resolve) => {
      asked = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const client = await connect(async () => {
      asked();
      await released;
    });
    try {
      await eventually(
        async () => (await client.listTools()).tools.some((t) => t.name === 'trigger-sampling-request') || null,
        10_000,
        'trigger-sampling-request listed',
      );
      // trigger-sampling-request (idempotentHint: false) waits on the child for the client's sampling answer.
      const call = client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'x', maxTokens: 5 } });
      await sampling; // the call is in flight on the child, which waits for the answer
      const pid = killChild();
      const result = await call;
      assert.equal(result.isError, true, text(result));
      assert.match(text(result), /exited mid-call/);
      assert.match(text(result), /not idempotent, so it was not sent again/);

      const restarted = await bridge.waitForChildRestart(0, pid);
      assert.notEqual(restarted.pid, pid);
      const echo = await client.callTool({ name: 'echo', arguments: { message: 'after the crash' } });
      assert.equal(text(echo), 'Echo: after the crash');
    } finally {
      release();
      await client.close();
    }
  });

  test('an idempotent call is sent again to the restarted process and completes, progress in order', async () => {
    const client = await connect(async () => {});
    try {
      const before = bridge.proc.findLogs((e) => e.msg === 'child exited mid-call: idempotent, sent again').length;
      const progress: number[] = [];
      let pid: number | undefined;
      const result = await client.callTool(
        { name: 'trigger-long-running-operation', arguments: { duration: 2, steps: 5 } },
        undefined,
        {
          timeout: 30_000,
          onprogress: (p) => {
            progress.push(p.progress);
            if (progress.length === 2 && pid === undefined) pid = killChild();
          },
        },
      );
      assert.ok(pid, 'the child was killed during the call');
      assert.match(text(result), /Long running operation completed. Duration: 2 seconds, Steps: 5/);
      assert.equal(
        bridge.proc.findLogs((e) => e.msg === 'child exited mid-call: idempotent, sent again').length,
        before + 1,
        'the bridge sent the call again once',
      );
      // The second run starts its progress at 1 again; the fleet passes on only values above the last one sent.
      for (let i = 1; i < progress.length; i++) assert.ok(progress[i]! > progress[i - 1]!, `increasing: ${progress}`);
      assert.deepEqual(progress.slice(0, 2), [1, 2]);
      assert.ok(progress.length >= 3, `progress after the re-run too: ${progress}`);
    } finally {
      await client.close();
    }
  });
});

describe('bridge: cancellation reaches the stdio server', () => {
  test("the client cancels a long call: the call ends and the child's only slot is free again at once", async () => {
    const client = await connect(async () => {});
    try {
      const abort = new AbortController();
      const started = performance.now();
      const long = client.callTool(
        { name: 'trigger-long-running-operation', arguments: { duration: 20, steps: 20 } },
        undefined,
        { signal: abort.signal, onprogress: () => abort.abort('enough') },
      );
      await assert.rejects(long);
      // One child, one call at a time: the echo runs only once the cancelled call gave its slot back.
      const echo = await client.callTool({ name: 'echo', arguments: { message: 'next' } });
      assert.equal(text(echo), 'Echo: next');
      const ms = performance.now() - started;
      assert.ok(ms < 10_000, `answered after ${Math.round(ms)} ms, long before the 20 s call would have ended`);
      await bridge.waitForLog((e) => e.msg === 'tool call cancelled', 5_000, 'the worker saw the cancellation');
    } finally {
      await client.close();
    }
  });
});
