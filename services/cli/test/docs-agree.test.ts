// The README is the user's reference: every setting and every error status must be in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { configKeys } from '@mcp-fleet/shared';
import { ERRORS } from '../../front/src/errors.ts';
import { flagsToEnv, UsageError } from '../src/args.ts';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

test('every configuration key has a row in the README table', () => {
  const missing = configKeys.filter((k) => !readme.includes(`| \`${k}\` |`));
  assert.deepEqual(missing, []);
});

test('every HTTP status and JSON-RPC code of the error table is documented in the README', () => {
  const missing = Object.entries(ERRORS)
    .filter(([name]) => name !== 'INTERNAL' && name !== 'SHUTTING_DOWN' && name !== 'METHOD_NOT_ALLOWED')
    .filter(([, e]) => !new RegExp(`\\| ${e.status}[^|]*\\| ${e.code} \\|`).test(readme))
    .map(([name]) => name);
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
