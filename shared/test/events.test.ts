import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import {
  decodeEntries,
  decodeNodeWakes,
  decodeWake,
  formatEventId,
  isStreamId,
  isTerminal,
  newRequestStreamId,
  parseEventId,
  sseFrame,
  randomId,
  standaloneStreamId,
} from '../src/index.ts';

test('formatEventId and parseEventId round trip', () => {
  const sessionId = randomId(18);
  const streamIds = [
    standaloneStreamId(sessionId),
    newRequestStreamId(sessionId),
    randomId(),
    'a-b_C9',
    'x'.repeat(64),
  ];
  const seqs = [0, 1, 2, 41, 1_000_000, 999_999_999_999_999];
  for (const streamId of streamIds) {
    for (const seq of seqs) {
      const id = formatEventId(streamId, seq);
      assert.equal(id, `${streamId}:${seq}`);
      assert.deepEqual(parseEventId(id), { streamId, seq }, `round trip of ${id}`);
    }
  }
});

test('parseEventId rejects ids that are not ours', () => {
  const bad = [
    '',
    ':',
    'abc',
    'abc:',
    ':5',
    'abc:x',
    'abc:-1',
    'abc:1.5',
    'abc:1e3',
    'a b:1',
    'a/b:1',
    'a:1:2',
    'a.b:1',
    `${'x'.repeat(65)}:1`, // stream id longer than 64
    'abc:1234567890123456', // 16 digits
    'ÿ:1',
  ];
  for (const id of bad) assert.equal(parseEventId(id), undefined, `expected ${JSON.stringify(id)} to be rejected`);
});

test('isStreamId accepts base64url ids up to 64 characters only', () => {
  const sessionId = randomId(18);
  assert.equal(isStreamId(newRequestStreamId(sessionId)), true);
  assert.equal(isStreamId(standaloneStreamId(sessionId)), true);
  assert.equal(isStreamId('x'.repeat(64)), true);
  assert.equal(isStreamId('x'.repeat(65)), false);
  assert.equal(isStreamId(''), false);
  assert.equal(isStreamId('a:b'), false);
  assert.equal(isStreamId('a+b/c='), false);
});

test('request stream ids are unique and never equal the standalone stream id', () => {
  const sessionId = randomId(18);
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const id = newRequestStreamId(sessionId);
    assert.notEqual(id, standaloneStreamId(sessionId));
    assert.equal(seen.has(id), false, 'duplicate stream id');
    seen.add(id);
  }
});

test('isTerminal: a response or an end closes the stream; the other kinds keep it open', () => {
  assert.equal(isTerminal('message'), false);
  assert.equal(isTerminal('sharedResponse'), false);
  assert.equal(isTerminal('closeConnection'), false);
  assert.equal(isTerminal('inputRequests'), false);
  assert.equal(isTerminal('response'), true);
  assert.equal(isTerminal('end'), true);
});

test('decodeWake decodes `<seq> <kind> <json>` and keeps spaces in the data', () => {
  const msg = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { note: 'a b  c' } });
  assert.deepEqual(decodeWake(`5 m ${msg}`), { seq: 5, kind: 'message', data: msg });
  assert.deepEqual(decodeWake('12 f {"jsonrpc":"2.0","id":1,"result":{}}'), {
    seq: 12,
    kind: 'response',
    data: '{"jsonrpc":"2.0","id":1,"result":{}}',
  });
  assert.deepEqual(decodeWake('3 e '), { seq: 3, kind: 'end', data: '' });
});

test('decodeWake: a wake-up for a large event carries no data (the node reads it)', () => {
  assert.deepEqual(decodeWake('5 m'), { seq: 5, kind: 'message' });
  assert.deepEqual(decodeWake('12 f'), { seq: 12, kind: 'response' });
});

test('decodeWake rejects malformed payloads', () => {
  for (const p of [
    '',
    '5',
    ' m {}',
    'x m {}',
    '5 mm {}',
    '5  {}',
    '5 z {}',
    '1e400 m {}',
    '99999999999999999999 m {}',
  ]) {
    assert.equal(decodeWake(p), undefined, `expected ${JSON.stringify(p)} to be rejected`);
  }
});

test('decodeEntries turns an XRANGE reply into events in order', () => {
  const a = '{"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}}';
  const b = '{"jsonrpc":"2.0","id":7,"result":{"content":[]}}';
  const events = decodeEntries([
    ['1-0', ['k', 'm', 'm', a]],
    ['2-0', ['m', b, 'k', 'f']], // field order does not matter
    ['3-0', ['k', 'e', 'm', '']],
    ['10-0', ['m', a]], // no kind: a plain message
  ]);
  assert.deepEqual(events, [
    { seq: 1, kind: 'message', data: a },
    { seq: 2, kind: 'response', data: b },
    { seq: 3, kind: 'end', data: '' },
    { seq: 10, kind: 'message', data: a },
  ]);
  assert.deepEqual(decodeEntries([]), []);
});

function parseSse(text: string): { events: EventSourceMessage[] } {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => events.push(e) });
  parser.feed(text);
  return { events };
}

test('sseFrame is one complete SSE event whose id is `<streamId>:<seq>` and whose data is the message', () => {
  const streamId = randomId();
  const data = JSON.stringify({
    jsonrpc: '2.0',
    id: 3,
    result: { content: [{ type: 'text', text: 'line1\nline2\r\n: not a comment' }] },
  });
  const frame = sseFrame(streamId, 4, data);
  assert.ok(frame.endsWith('\n\n'), 'a frame ends with a blank line');
  assert.equal(frame.slice(0, -2).includes('\n\n'), false, 'a frame holds no blank line before its end');
  assert.equal(frame.split('\n').filter((l) => l.startsWith('data:')).length, 1, 'one data line');
  const { events } = parseSse(frame);
  assert.equal(events.length, 1);
  assert.equal(events[0]!.id, `${streamId}:4`);
  assert.equal(events[0]!.event, 'message');
  assert.equal(events[0]!.data, data);
  assert.deepEqual(JSON.parse(events[0]!.data), JSON.parse(data));
  assert.deepEqual(parseEventId(events[0]!.id!), { streamId, seq: 4 });
});

test('consecutive sseFrames parse as separate events in order', () => {
  const s = randomId();
  const text = [1, 2, 3].map((seq) => sseFrame(s, seq, JSON.stringify({ seq }))).join('');
  const { events } = parseSse(text);
  assert.deepEqual(
    events.map((e) => [e.id, JSON.parse(e.data).seq]),
    [
      [`${s}:1`, 1],
      [`${s}:2`, 2],
      [`${s}:3`, 3],
    ],
  );
});

test('decodeNodeWakes: wake-ups and takeovers, each a stream key line and its line, in order', () => {
  const key = 'mcpf:{anon:s1}:stream:abc';
  const other = 'mcpf:{anon:s2}:stream:def';
  assert.deepEqual(decodeNodeWakes(`${key}\n7 m {"a":"b c"}`), [
    { streamKey: key, event: { seq: 7, kind: 'message', data: '{"a":"b c"}' } },
  ]);
  assert.deepEqual(decodeNodeWakes(`${key}\ntakeover 12`), [{ streamKey: key, takeover: 12 }]);
  // A batch: several streams' events in append order; a large event's wake has no data.
  assert.deepEqual(decodeNodeWakes(`${key}\n7 m {"n":1}\n${other}\n3 f\n${key}\n8 m {"n":2}`), [
    { streamKey: key, event: { seq: 7, kind: 'message', data: '{"n":1}' } },
    { streamKey: other, event: { seq: 3, kind: 'response' } },
    { streamKey: key, event: { seq: 8, kind: 'message', data: '{"n":2}' } },
  ]);
  assert.deepEqual(decodeNodeWakes(`${key}\ntakeover tok123`), []);
  assert.deepEqual(decodeNodeWakes('no newline here'), []);
  // A malformed pair is skipped; the rest of the message still counts.
  assert.deepEqual(decodeNodeWakes(`${key}\nnot a wake\n${other}\n4 m {}`), [
    { streamKey: other, event: { seq: 4, kind: 'message', data: '{}' } },
  ]);
});
