// The fleet publishes JSON Schema 2020-12 (MCP's default dialect); stdio servers built on the v1 SDK send draft-07.
// The two differ in a few keywords only, rewritten here: `definitions` → `$defs` (and the `$ref`s into it), a tuple
// `items: [...]` → `prefixItems` (with `additionalItems` → `items`). A schema in another dialect is kept as it is.
const DRAFT_07 = /^https?:\/\/json-schema\.org\/draft-0[4-7]\/schema#?$/;

/** Keywords whose values are data, not schemas. */
const DATA = new Set(['const', 'enum', 'default', 'examples', 'required']);

export function toDraft2020(schema: Record<string, unknown>): Record<string, unknown> {
  const dialect = schema.$schema;
  if (dialect !== undefined && !(typeof dialect === 'string' && DRAFT_07.test(dialect))) return schema;
  const { $schema: _dialect, ...rest } = schema;
  return rewrite(rest) as Record<string, unknown>;
}

function rewrite(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewrite);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  const src = node as Record<string, unknown>;
  for (const [k, v] of Object.entries(src)) {
    if (DATA.has(k)) out[k] = v;
    else if (k === 'definitions') out.$defs = rewriteMap(v);
    else if (k === '$ref' && typeof v === 'string') out.$ref = v.replace(/^#\/definitions\//, '#/$defs/');
    else if (k === 'items' && Array.isArray(v)) out.prefixItems = v.map(rewrite);
    else if (k === 'additionalItems' && Array.isArray(src.items)) out.items = rewrite(v);
    else if (k === 'additionalItems')
      continue; // without tuple items it has no effect in draft-07 either
    else if (k === 'properties' || k === 'patternProperties' || k === '$defs' || k === 'dependencies')
      out[k] = rewriteMap(v);
    else out[k] = rewrite(v);
  }
  return out;
}

/** A keyword whose value maps names to schemas: the names stay, the schemas are rewritten. */
function rewriteMap(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, s]) => [k, rewrite(s)]));
}
