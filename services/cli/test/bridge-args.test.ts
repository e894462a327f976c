// `mcp-fleet bridge [options] -- <command> [args…]`: what the command line turns into.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBridge } from '../src/bridge.ts';
import { UsageError } from '../src/args.ts';

const env = { REDIS_URL: 'redis://127.0.0.1:1', PATH: '/usr/bin', SECRET_TOKEN: 's3cret', API_KEY: 'k' };

test('the command after --, the short options, and the defaults a bridge chooses', () => {
  const { config, spec } = parseBridge(['--concurrency', '3', '--children=2', '--', 'npx', '-y', 'some-server'], env);
  assert.equal(spec.command, 'npx');
  assert.deepEqual(spec.args, ['-y', 'some-server']);
  assert.equal(config.BRIDGE_CONCURRENCY, 3);
  assert.equal(config.BRIDGE_CHILDREN, 2);
  assert.equal(config.WORKER_CONCURRENCY, 6, 'the worker takes no more calls than the children can run');
  assert.deepEqual(config.TOOL_PACKS, [], 'no example tools beside the bridged server');
  assert.match(config.QUEUE, /^bridge-[0-9a-f]{12}$/);
  // The same server gets the same queue (its bridge workers share it); another server another one.
  assert.equal(parseBridge(['--', 'npx', '-y', 'some-server'], env).config.QUEUE, config.QUEUE);
  assert.notEqual(parseBridge(['--', 'npx', '-y', 'other-server'], env).config.QUEUE, config.QUEUE);
});

test('explicit settings win; the children see only the safe environment and what BRIDGE_ENV names', () => {
  const { config, spec } = parseBridge(
    ['--queue', 'mine', '--worker-concurrency', '5', '--tool-packs', 'examples', '--bridge-env', 'API_KEY', '--', 'x'],
    env,
  );
  assert.equal(config.QUEUE, 'mine');
  assert.equal(config.WORKER_CONCURRENCY, 5);
  assert.deepEqual(config.TOOL_PACKS, ['examples']);
  assert.equal(spec.env.API_KEY, 'k');
  assert.equal(spec.env.SECRET_TOKEN, undefined);
  assert.equal(spec.env.REDIS_URL, undefined, "never the fleet's own settings");
});

test('no command, or an unknown option, is a usage error', () => {
  assert.throws(() => parseBridge(['--concurrency', '2'], env), UsageError);
  assert.throws(() => parseBridge(['--'], env), UsageError);
  assert.throws(() => parseBridge(['--no-such', '1', '--', 'x'], env), UsageError);
});
