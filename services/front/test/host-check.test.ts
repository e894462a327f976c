// Which Host names the MCP paths answer to, by bind address and ALLOWED_HOSTS (DNS-rebinding protection).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, FleetError } from '@mcp-fleet/shared';
import { allowedHosts, makeHostCheck } from '../src/http/host-check.ts';

function refusal(fn: () => void): FleetError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof FleetError, String(err));
    return err;
  }
  assert.fail('expected HOST_FORBIDDEN');
}

test('bound to loopback: localhost, 127.0.0.1 and [::1] on any port, nothing else', () => {
  const check = makeHostCheck(allowedHosts({ HOST: '127.0.0.1', ALLOWED_HOSTS: undefined }));
  for (const ok of ['localhost:3000', '127.0.0.1:8080', '[::1]:3000', 'localhost', 'LOCALHOST:1']) check(ok);
  const e = refusal(() => check('evil.example:3000', 7));
  assert.deepEqual([e.errorName, e.status, e.code, e.id], ['HOST_FORBIDDEN', 403, -32000, 7]);
  assert.match(e.message, /Host "evil\.example:3000" is not allowed \(ALLOWED_HOSTS\)/);
  assert.equal(refusal(() => check(undefined)).errorName, 'HOST_FORBIDDEN', 'no Host at all is refused');
});

test('bound elsewhere: ALLOWED_HOSTS is required; `*` admits any Host', () => {
  assert.throws(
    () => allowedHosts({ HOST: '0.0.0.0', ALLOWED_HOSTS: undefined }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /ALLOWED_HOSTS is required when HOST="0\.0\.0\.0"/);
      return true;
    },
  );
  makeHostCheck(allowedHosts({ HOST: '0.0.0.0', ALLOWED_HOSTS: ['*'] }))('10.1.2.3:3000');
  const listed = makeHostCheck(allowedHosts({ HOST: '0.0.0.0', ALLOWED_HOSTS: ['MCP.example.com'] }));
  listed('mcp.example.com:443');
  assert.equal(refusal(() => listed('localhost:3000')).status, 403, 'only what is listed');
});
