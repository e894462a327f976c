// The audit log's options on a real fleet: AUDIT_ARGUMENTS=true puts a call's arguments in its line, and AUDIT_LOG
// may name a file instead of stdout. With no telemetry configured a front node has no metrics endpoint at all.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SseReader, eventually, openSession, post, rpcRequest, startFleet, type Fleet } from './harness/index.ts';

let fleet: Fleet;
let dir: string;
let auditFile: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mcpf-audit-'));
  auditFile = join(dir, 'worker-audit.jsonl');
  fleet = await startFleet({
    fronts: 1,
    workers: 1,
    env: { AUDIT_ARGUMENTS: 'true' },
    workerEnv: [{ AUDIT_LOG: auditFile }],
  });
});

after(async () => {
  await fleet?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('AUDIT_ARGUMENTS=true: the line carries the arguments; AUDIT_LOG=<path>: lines go to that file', async () => {
  const session = await openSession(fleet.front('a').url);
  const res = await post(
    fleet.front('a').url,
    rpcRequest('tools/call', { name: 'add', arguments: { a: 2, b: 40 } }),
    session.headers,
  );
  await new SseReader(res).readToEnd();
  const found = await eventually(
    () => {
      let text = '';
      try {
        text = readFileSync(auditFile, 'utf8');
      } catch {
        return undefined;
      }
      return text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((e) => e.tool === 'add');
    },
    5_000,
    'the audit line in the file',
  );
  const line = found!;
  assert.equal(line.audit, true);
  assert.equal(line.event, 'call');
  assert.equal(line.outcome, 'ok');
  assert.equal(line.principal, 'anonymous');
  assert.deepEqual(line.arguments, { a: 2, b: 40 });
  assert.ok(
    !fleet.workers[0]!.proc.logs.some((e) => e.audit === true),
    'nothing of the audit log on stdout when it goes to a file',
  );
});

test('no telemetry configured: no metrics endpoint', async () => {
  const res = await fetch(`http://127.0.0.1:${fleet.front('a').port}/metrics`);
  assert.equal(res.status, 404);
});
