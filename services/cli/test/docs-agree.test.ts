// The README is the user's reference: every setting must be in it (the errors: services/front/test/error-catalogue.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { configKeys } from '@mcp-fleet/shared';
import { flagsToEnv, UsageError } from '../src/args.ts';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

test('every configuration key has a row in the README table', () => {
  const missing = configKeys.filter((k) => !new RegExp(`^\\| \`${k}\`\\s+\\|`, 'm').test(readme));
  assert.deepEqual(missing, []);
});

test('flags map to configuration names, and unknown flags are refused', () => {
  assert.deepEqual(flagsToEnv(['--port', '4000', '--stream-ttl-seconds=60']), {
    PORT: '4000',
    STREAM_TTL_SECONDS: '60',
  });
  assert.throws(() => flagsToEnv(['--no-such-option', '1']), UsageError);
  assert.throws(() => flagsToEnv(['--port']), /needs a value/);
});
