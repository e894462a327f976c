// The error catalogue and the README's error table describe the same errors, both ways (as fastify's
// test/internals/errors.test.js holds lib/errors.js to its docs), and no code outside the catalogue writes an error
// code of its own.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { ERRORS, FleetError, entryValue, type ErrorEntry, type ErrorName } from '@mcp-fleet/shared';

const ROOT = new URL('../../../', import.meta.url).pathname;
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** Rows of the README's error table: `| \`NAME\` | condition | status | code |`. */
const rows = new Map(
  [...readme.matchAll(/^\|\s*`([A-Z_]+)`\s*\|([^|]*)\|([^|]*)\|([^|]*)\|\s*$/gm)].map((m) => [
    m[1]!,
    { condition: m[2]!.trim(), status: m[3]!.trim(), code: m[4]!.trim() },
  ]),
);

/** How a value is written in the table: one number, or `session / modern` where the eras differ. */
function cell(v: ErrorEntry['status']): string {
  return typeof v === 'number' ? String(v) : `${v.session} / ${v.modern}`;
}

test('every catalogue entry has a README row with its status and JSON-RPC code', () => {
  for (const [name, entry] of Object.entries(ERRORS) as [ErrorName, ErrorEntry][]) {
    const row = rows.get(name);
    assert.ok(row, `README error table has no row for ${name}`);
    assert.equal(row.status, cell(entry.status), `${name}: status`);
    assert.equal(row.code, cell(entry.code), `${name}: JSON-RPC code`);
    assert.ok(row.condition.length > 0, `${name}: the row says when it happens`);
    if (entry.bySdk) assert.match(row.condition, /_SDK_/, `${name}: the row says the SDK answers it`);
  }
});

test('every README row names a catalogue entry', () => {
  const unknown = [...rows.keys()].filter((name) => !Object.hasOwn(ERRORS, name));
  assert.deepEqual(unknown, []);
});

test('an error takes its era’s values; its message fills every placeholder it has', () => {
  const legacy = new FleetError('RESOURCE_NOT_FOUND', { args: ['x://y'], era: 'session' });
  const modern = new FleetError('RESOURCE_NOT_FOUND', { args: ['x://y'], era: 'modern' });
  assert.deepEqual([legacy.code, modern.code], [-32002, -32602]);
  const missing = new FleetError('METHOD_NOT_FOUND', { args: ['a/b'], era: 'modern' });
  assert.deepEqual([missing.status, new FleetError('METHOD_NOT_FOUND', { args: ['a/b'] }).status], [404, 200]);
  for (const [name, entry] of Object.entries(ERRORS) as [ErrorName, ErrorEntry][]) {
    const placeholders = [...entry.message.matchAll(/\{(\d)\}/g)].map((m) => Number(m[1]));
    const args = placeholders.map((i) => `arg${i}`);
    const e = new FleetError(name, { args, id: 7 });
    assert.doesNotMatch(e.message, /\{\d\}/, `${name}: every placeholder filled`);
    for (const a of args) assert.ok(e.message.includes(a), `${name}: the message shows ${a}`);
    for (const era of ['session', 'modern'] as const) {
      assert.ok(entryValue(entry.code, era) < 0, `${name}: a JSON-RPC code for ${era}`);
    }
    assert.deepEqual(e.toJsonRpc().id, 7, `${name}: the body carries the request id`);
  }
});

/** Source files of the services and the shared package. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (f === 'node_modules' || f === 'test') return [];
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('no source file outside the catalogue writes a JSON-RPC error code (comments aside)', () => {
  const offenders: string[] = [];
  for (const file of [...sources(join(ROOT, 'services')), ...sources(join(ROOT, 'shared/src'))]) {
    if (file.endsWith('shared/src/errors.ts')) continue;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const code = line
          .replace(/\/\/.*$/, '')
          .replace(/\/\*.*?(\*\/|$)/g, '')
          .replace(/^\s*\*.*$/, '');
        if (/-32[0-9]{3}\b/.test(code)) offenders.push(`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(offenders, []);
});
