// The default pack (`examples`, what `npm start` and an unconfigured worker load) holds no tool that reaches other
// callers' sessions: `announce` and the shared note live in the opt-in `shared-demo` pack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPacks } from '../src/pack.ts';

test('the default pack has no announce, no set_note and no shared note; shared-demo has them', async () => {
  const examples = await loadPacks(['examples']);
  const names = examples.tools.map((t) => t.name);
  for (const unsafe of ['announce', 'set_note']) assert.ok(!names.includes(unsafe), `${unsafe} is not in examples`);
  assert.ok(!examples.resources.some((r) => r.uri === 'note://current'));
  assert.ok(!examples.tools.some((t) => t.broadcast === 'fleet'), 'no tool of the default pack broadcasts fleet-wide');
  const demo = await loadPacks(['examples', 'shared-demo']);
  assert.ok(demo.tools.some((t) => t.name === 'announce') && demo.resources.some((r) => r.uri === 'note://current'));
});
