import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ABORT, JobLeases } from '../src/job-leases.ts';

test('a later attempt of a job in the same worker supersedes the earlier one', () => {
  const leases = new JobLeases(60_000);
  const aborted: string[] = [];
  const first = leases.start('j1', (r) => aborted.push(`first: ${r}`));
  assert.equal(first.held(), true);
  assert.equal(leases.running('j1'), first);

  const second = leases.start('j1', (r) => aborted.push(`second: ${r}`));
  assert.deepEqual(aborted, [`first: ${ABORT.leaseLost}`], 'the earlier attempt is aborted as having lost the job');
  assert.equal(first.held(), false, 'the earlier attempt may no longer write');
  assert.equal(second.held(), true);

  leases.end('j1', first);
  assert.equal(leases.running('j1'), second, "the earlier attempt's end leaves the later one's lease");
  leases.renewed(['j1']);
  assert.deepEqual(leases.lost(), []);
  leases.end('j1', second);
  assert.equal(leases.running('j1'), undefined);
});

test('a lease not renewed for a lock duration is lost; a renewal keeps it', async () => {
  const leases = new JobLeases(1000);
  const a = leases.start('a', () => {});
  const b = leases.start('b', () => {});
  await new Promise((r) => setTimeout(r, 600));
  leases.renewed(['a']);
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(a.held(), true);
  assert.equal(b.held(), false);
  assert.deepEqual(leases.lost(), ['b']);
});
