import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FleetKeys,
  newRequestStreamId,
  randomId,
  sessionFingerprint,
  standaloneStreamId,
  streamBelongsTo,
  type SessionRef,
} from '../src/index.ts';

/** The Redis Cluster hash tag of a key: the text between the first `{` and the next `}`, when not empty. */
function hashTag(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  if (close < 0 || close === open + 1) return undefined;
  return key.slice(open + 1, close);
}

/**
 * Every FleetKeys method, classified. Session keys take the session first (and maybe an id); global keys do not.
 * A method missing from both tables fails the coverage test below, so a new key is checked once it is classified.
 */
const SESSION_KEYS: Record<string, (k: FleetKeys, s: SessionRef, id: string) => string> = {
  session: (k, s) => k.session(s),
  inflight: (k, s) => k.inflight(s),
  stream: (k, s, id) => k.stream(s, id),
  streamMeta: (k, s, id) => k.streamMeta(s, id),
  sessionSubscriptions: (k, s) => k.sessionSubscriptions(s),
  sessionStreams: (k, s) => k.sessionStreams(s),
  run: (k, s, id) => k.run(s, id),
  shardedWakeChannel: (k, s, id) => k.shardedWakeChannel(k.stream(s, id), 'front-a'),
};
const GLOBAL_KEYS: Record<string, (k: FleetKeys) => string> = {
  nodeChannel: (k) => k.nodeChannel('front-a'),
  sessionsIndex: (k) => k.sessionsIndex(),
  principalSessions: (k) => k.principalSessions('anon'),
  resourceSubscribers: (k) => k.resourceSubscribers('file:///a/b.txt'),
  catalogNotified: (k) => k.catalogNotified('tools', 'v1'),
  catalogRevision: (k) => k.catalogRevision(),
  tasksOf: (k) => k.tasksOf('session:abc'),
  queuedCalls: (k) => k.queuedCalls('echo'),
  toolSlots: (k) => k.toolSlots('echo'),
  eventsChannel: (k) => k.eventsChannel(),
  taskEventsChannel: (k) => k.taskEventsChannel(),
  requestStateKey: (k) => k.requestStateKey(),
  cancelChannel: (k) => k.cancelChannel(),
  catalog: (k) => k.catalog(),
  catalogChannel: (k) => k.catalogChannel(),
  bullPrefix: (k) => k.bullPrefix(),
  apiKey: (k) => k.apiKey('0123456789ab'),
  apiKeyIndex: (k) => k.apiKeyIndex(),
  frontNodes: (k) => k.frontNodes(),
  incidents: (k) => k.incidents(),
  principalCalls: (k) => k.principalCalls('acme.abc'),
  rateLimitPrefix: (k) => k.rateLimitPrefix(),
};

function allSessionKeys(keys: FleetKeys, s: SessionRef, ids: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, fn] of Object.entries(SESSION_KEYS)) for (const id of ids) out[`${name}(${id})`] = fn(keys, s, id);
  return out;
}

test('every FleetKeys method is classified as a session key or a global key', () => {
  const methods = Object.getOwnPropertyNames(FleetKeys.prototype).filter(
    (n) =>
      n !== 'constructor' &&
      n !== 'tag' &&
      typeof (FleetKeys.prototype as unknown as Record<string, unknown>)[n] === 'function',
  );
  const unclassified = methods.filter((n) => !(n in SESSION_KEYS) && !(n in GLOBAL_KEYS));
  assert.deepEqual(unclassified, [], 'new key methods: add them to SESSION_KEYS or GLOBAL_KEYS in this test');
  for (const n of [...Object.keys(SESSION_KEYS), ...Object.keys(GLOBAL_KEYS)]) {
    assert.ok(methods.includes(n), `${n} is still a FleetKeys method`);
  }
});

test('every key of a session carries the same {principal:sessionId} hash tag, once', () => {
  const keys = new FleetKeys('pfx');
  const s: SessionRef = { principal: 'anon', sessionId: randomId(18) };
  const streams = [standaloneStreamId(s.sessionId), newRequestStreamId(s.sessionId), newRequestStreamId(s.sessionId)];
  const all = allSessionKeys(keys, s, streams);
  for (const [what, key] of Object.entries(all)) {
    assert.equal(hashTag(key), `${s.principal}:${s.sessionId}`, `${what} = ${key}`);
    assert.equal(key.split('{').length - 1, 1, `${what} = ${key} has one {`);
    assert.equal(key.split('}').length - 1, 1, `${what} = ${key} has one }`);
  }
  // Distinct keys for distinct things (the id-less keys repeat once per id in `all`).
  const one = allSessionKeys(keys, s, [streams[1]!]);
  const values = Object.values(one);
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
    for (const [name, fn] of Object.entries(GLOBAL_KEYS)) all[name] = fn(keys);
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
