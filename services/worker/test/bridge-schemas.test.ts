// What the bridge publishes for a stdio server's lists: draft-07 schemas (v1-SDK servers) as JSON Schema 2020-12, the
// fleet's dialect, and the variables of resource templates (completion/complete is offered for each).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { templateVariables } from '../src/bridge/bridged-pack.ts';
import { toDraft2020 } from '../src/bridge/json-schema.ts';

test('a draft-07 schema becomes 2020-12: $schema dropped, definitions → $defs (and refs), tuple items → prefixItems', () => {
  const draft07 = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: {
      point: { type: 'array', items: [{ type: 'number' }, { type: 'number' }], additionalItems: false },
      tags: { type: 'array', items: { type: 'string' } },
      owner: { $ref: '#/definitions/person' },
      // a property may be called like a keyword: its name stays
      definitions: { type: 'string', default: { items: [1] } },
    },
    required: ['point'],
    definitions: { person: { type: 'object', properties: { name: { type: 'string' } } } },
  };
  const out = toDraft2020(draft07);
  assert.deepEqual(out, {
    type: 'object',
    properties: {
      point: { type: 'array', prefixItems: [{ type: 'number' }, { type: 'number' }], items: false },
      tags: { type: 'array', items: { type: 'string' } },
      owner: { $ref: '#/$defs/person' },
      definitions: { type: 'string', default: { items: [1] } },
    },
    required: ['point'],
    $defs: { person: { type: 'object', properties: { name: { type: 'string' } } } },
  });
  const validate = new Ajv2020({ strict: false }).compile(out);
  assert.equal(validate({ point: [1, 2], owner: { name: 'Ada' } }), true);
  assert.equal(validate({ point: [1, 2, 3] }), false, 'no items past the tuple');
});

test('a schema without $schema is read as draft-07 too; another dialect is kept as it is', () => {
  assert.deepEqual(toDraft2020({ type: 'object', properties: {} }), { type: 'object', properties: {} });
  const other = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', items: [] };
  assert.equal(toDraft2020(other), other);
});

test('template variables, whatever the RFC 6570 operator', () => {
  assert.deepEqual(templateVariables('demo://resource/dynamic/text/{resourceId}'), ['resourceId']);
  assert.deepEqual(templateVariables('file://{+path}{?page,size*}{#frag:3}'), ['path', 'page', 'size', 'frag']);
  assert.deepEqual(templateVariables('static://x'), []);
});
