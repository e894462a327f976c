import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FleetKeys, newRequestStreamId, randomId, sessionFingerprint, standaloneStreamId, streamBelongsTo, type SessionRef,
} from '../src/index.ts';

/** The Redis Cluster hash tag of a key: the text between the first `{` and the next `}`, when not empty. */
function hashTag(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  if (close < 0 || close === open + 1) return undefined;
  return key.slice(open + 1, close);
}

type KeyMethod = (this: FleetKeys, ...args: unknown[]) => string;

/** Every FleetKeys method that takes a session (arity ≥ 1), found by reflection so a new key is covered too. */
function sessionKeyMethods(): [string, KeyMethod][] {
  return Object.getOwnPropertyNames(FleetKeys.prototype)
    .filter((n) => n !== 'constructor' && n !== 'tag')
    .map((n) => [n, (FleetKeys.prototype as unknown as Record<string, KeyMethod>)[n]!] as [string, KeyMethod])
    .filter(([, fn]) => typeof fn === 'function' && fn.length >= 1);
}

function globalKeyMethods(): [string, KeyMethod][] {
  return Object.getOwnPropertyNames(FleetKeys.prototype)
    .filter((n) => n !== 'constructor')
    .map((n) => [n, (FleetKeys.prototype as unknown as Record<string, KeyMethod>)[n]!] as [string, KeyMethod])
    .filter(([, fn]) => typeof fn === 'function' && fn.length === 0);
}

function allSessionKeys(keys: FleetKeys, s: SessionRef, streamIds: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, fn] of sessionKeyMethods()) {
    if (fn.length >= 2) for (const id of streamIds) out[`${name}(${id})`] = fn.call(keys, s, id);
    else out[name] = fn.call(keys, s);
  }
  return out;
}

test('the known session keys are all covered by the reflective checks', () => {
  const names = sessionKeyMethods().map(([n]) => n).sort();
  for (const expected of ['inflight', 'session', 'stream', 'streamChannel', 'streamMeta']) {
    assert.ok(names.includes(expected), `${expected} should be a session-scoped key method (found ${names.join(', ')})`);
  }
});

test('every key of a session carries the same {principal:sessionId} hash tag, once', () => {
  const keys = new FleetKeys('pfx');
  const s: SessionRef = { principal: 'anon', sessionId: randomId(18) };
  const streams = [standaloneStreamId(s.sessionId), newRequestStreamId(s.sessionId), newRequestStreamId(s.sessionId)];
  const all = allSessionKeys(keys, s, streams);
  assert.ok(Object.keys(all).length >= 5 + 3 * 2);
  for (const [what, key] of Object.entries(all)) {
    assert.equal(hashTag(key), `${s.principal}:${s.sessionId}`, `${what} = ${key}`);
    assert.equal(key.split('{').length - 1, 1, `${what} = ${key} has one {`);
    assert.equal(key.split('}').length - 1, 1, `${what} = ${key} has one }`);
  }
  const values = Object.values(all);
  assert.equal(new Set(values).size, values.length, `session keys are distinct: ${values.join(' ')}`);
});

test('different sessions and different principals get different tags', () => {
  const keys = new FleetKeys('pfx');
  const sessionId = randomId(18);
  const a = keys.session({ principal: 'alice', sessionId });
  const b = keys.session({ principal: 'bob', sessionId });
  const c = keys.session({ principal: 'alice', sessionId: randomId(18) });
  assert.notEqual(hashTag(a), hashTag(b), 'same session id, other principal');
  assert.notEqual(hashTag(a), hashTag(c), 'same principal, other session');
});

test('every key and channel starts with the prefix', () => {
  for (const prefix of ['mcpf', 't1a2b3c4', 'my-app.prod_1']) {
    const keys = new FleetKeys(prefix);
    const s: SessionRef = { principal: 'anon', sessionId: randomId(18) };
    const all = { ...allSessionKeys(keys, s, [newRequestStreamId(s.sessionId)]) };
    for (const [name, fn] of globalKeyMethods()) all[name] = fn.call(keys);
    assert.ok(globalKeyMethods().length >= 4, 'cancelChannel, catalog, catalogChannel, bullPrefix');
    for (const [what, key] of Object.entries(all)) {
      assert.ok(key.startsWith(`${prefix}:`), `${what} = ${key} starts with ${prefix}:`);
    }
    // Two fleets sharing a Redis never share a key.
    const other = new FleetKeys(`${prefix}x`);
    assert.notEqual(other.session(s), keys.session(s));
    assert.notEqual(other.cancelChannel(), keys.cancelChannel());
  }
});

test('stream ids name their session: a stream of one session does not belong to another', () => {
  const s1 = randomId(18);
  const s2 = randomId(18);
  const r1 = newRequestStreamId(s1);
  assert.equal(streamBelongsTo(r1, s1), true);
  assert.equal(streamBelongsTo(standaloneStreamId(s1), s1), true);
  assert.equal(streamBelongsTo(r1, s2), sessionFingerprint(s1) === sessionFingerprint(s2));
  assert.equal(sessionFingerprint(s1), sessionFingerprint(s1), 'fingerprint is deterministic');
  assert.notEqual(standaloneStreamId(s1), standaloneStreamId(s2));
});
