import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../src/index.ts';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.name, 'ConfigError');
    return err;
  }
  assert.fail(`expected loadConfig(${JSON.stringify(env)}) to throw a ConfigError`);
}

test('defaults when nothing is set', () => {
  const c = loadConfig({});
  assert.equal(c.REDIS_URL, undefined);
  assert.equal(c.HOST, '127.0.0.1');
  assert.equal(c.PORT, 3000);
  assert.equal(c.MCP_PATH, '/mcp');
  assert.equal(c.MAX_BODY_BYTES, 1024 * 1024);
  assert.equal(c.RESPONSE_MODE, 'sse');
  assert.equal(c.TRUST_PROXY, false);
  assert.equal(c.LOG_LEVEL, 'info');
  assert.deepEqual(c.TOOL_PACKS, ['examples']);
  assert.ok(c.ALLOWED_ORIGINS.includes('http://localhost'), `ALLOWED_ORIGINS = ${c.ALLOWED_ORIGINS.join(',')}`);
  assert.ok(c.ALLOWED_ORIGINS.includes('http://127.0.0.1'));
  assert.ok(!c.ALLOWED_ORIGINS.includes('*'), 'all origins are not allowed by default');
  for (const k of [
    'SESSION_TTL_SECONDS',
    'STREAM_MAX_EVENTS',
    'STREAM_TTL_SECONDS',
    'SSE_KEEPALIVE_MS',
    'REQUEST_TIMEOUT_MS',
    'WORKER_CONCURRENCY',
  ] as const) {
    assert.ok(Number.isInteger(c[k]) && c[k] > 0, `${k} defaults to a positive integer (got ${c[k]})`);
  }
  assert.ok(c.SSE_KEEPALIVE_MS <= 30_000, 'keep-alives come often enough for proxies that cut idle connections');
});

test('an empty value counts as unset', () => {
  const c = loadConfig({ PORT: '', TRUST_PROXY: '', RESPONSE_MODE: '' });
  assert.equal(c.PORT, 3000);
  assert.equal(c.TRUST_PROXY, false);
  assert.equal(c.RESPONSE_MODE, 'sse');
});

test('values are read from the environment and converted', () => {
  const c = loadConfig({
    PORT: '8080',
    MAX_BODY_BYTES: '2048',
    RESPONSE_MODE: 'json',
    REDIS_URL: 'redis://127.0.0.1:6390',
    ALLOWED_ORIGINS: 'http://a.example, https://b.example ,',
    TOOL_PACKS: 'examples,./my-pack.js',
  });
  assert.equal(c.PORT, 8080);
  assert.equal(c.MAX_BODY_BYTES, 2048);
  assert.equal(c.RESPONSE_MODE, 'json');
  assert.equal(c.REDIS_URL, 'redis://127.0.0.1:6390');
  assert.deepEqual(c.ALLOWED_ORIGINS, ['http://a.example', 'https://b.example']);
  assert.deepEqual(c.TOOL_PACKS, ['examples', './my-pack.js']);
});

test('TRUST_PROXY: "false" is false (not a truthy string), "true" is true', () => {
  for (const v of ['false', 'FALSE', ' false ', '0', 'no', 'off']) {
    assert.equal(loadConfig({ TRUST_PROXY: v }).TRUST_PROXY, false, `TRUST_PROXY=${JSON.stringify(v)}`);
  }
  for (const v of ['true', 'True', '1', 'yes', 'on']) {
    assert.equal(loadConfig({ TRUST_PROXY: v }).TRUST_PROXY, true, `TRUST_PROXY=${JSON.stringify(v)}`);
  }
  assert.match(configError({ TRUST_PROXY: 'maybe' }).message, /TRUST_PROXY/);
});

test('a bad PORT gives a ConfigError naming PORT', () => {
  for (const v of ['abc', '70000', '-1', '80.5']) {
    const err = configError({ PORT: v });
    assert.match(err.message, /\bPORT\b/, `PORT=${v}: ${err.message}`);
    assert.ok(err.message.includes(v), `the message quotes the bad value ${v}: ${err.message}`);
  }
});

test('every bad value is reported at once', () => {
  const err = configError({ PORT: 'abc', RESPONSE_MODE: 'xml', MAX_BODY_BYTES: '1' });
  assert.match(err.message, /\bPORT\b/);
  assert.match(err.message, /\bRESPONSE_MODE\b/);
  assert.match(err.message, /\bMAX_BODY_BYTES\b/);
});

test('unknown keys are ignored', () => {
  const c = loadConfig({ PATH: '/usr/bin', HOME: '/root', MCP_FLEET_UNKNOWN: 'x', PORT: '1234' });
  assert.equal(c.PORT, 1234);
  assert.equal('MCP_FLEET_UNKNOWN' in c, false);
  assert.equal('PATH' in c, false);
});

test('guards and caps: defaults, and every CORS origin must pass the Origin check', () => {
  const c = loadConfig({});
  assert.equal(c.ALLOWED_HOSTS, undefined, 'unset: the front derives it from HOST');
  assert.deepEqual(c.CORS_ORIGINS, [], 'CORS is off by default');
  assert.equal(c.MAX_CLIENT_METADATA_BYTES, 16 * 1024);
  assert.equal(c.MAX_SESSIONS_PER_PRINCIPAL, 1000);
  assert.equal(c.MAX_STREAMS_PER_SESSION, 32);
  assert.deepEqual(loadConfig({ ALLOWED_HOSTS: 'mcp.example.com, localhost' }).ALLOWED_HOSTS, [
    'mcp.example.com',
    'localhost',
  ]);
  // A localhost origin on any port passes the default Origin list.
  assert.deepEqual(loadConfig({ CORS_ORIGINS: 'http://localhost:5173' }).CORS_ORIGINS, ['http://localhost:5173']);
  const e = configError({ CORS_ORIGINS: 'https://app.example.com' });
  assert.match(
    e.message,
    /CORS_ORIGINS="https:\/\/app.example.com": https:\/\/app.example.com is not allowed by ALLOWED_ORIGINS/,
  );
  assert.match(configError({ CORS_ORIGINS: '*' }).message, /\* is not allowed by ALLOWED_ORIGINS/);
  const both = loadConfig({ CORS_ORIGINS: 'https://app.example.com', ALLOWED_ORIGINS: 'https://app.example.com' });
  assert.deepEqual(both.CORS_ORIGINS, ['https://app.example.com']);
});

test('TRUST_PROXY also takes the proxies to trust: addresses and CIDRs (anything else is refused)', () => {
  assert.deepEqual(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).TRUST_PROXY, ['10.0.0.0/8', '127.0.0.1']);
  assert.deepEqual(loadConfig({ TRUST_PROXY: '::1' }).TRUST_PROXY, ['::1']);
  assert.match(configError({ TRUST_PROXY: 'proxy.example' }).message, /TRUST_PROXY.*CIDRs/);
});

test('PUBLIC_URL: the canonical resource URI defaults to its endpoint; AUTH_RESOURCE set wins', () => {
  const behind = loadConfig({ PUBLIC_URL: 'https://mcp.example.com/api/' });
  assert.equal(behind.AUTH_RESOURCE, 'https://mcp.example.com/api/mcp');
  assert.equal(loadConfig({ PUBLIC_URL: 'https://mcp.example.com' }).AUTH_RESOURCE, 'https://mcp.example.com/mcp');
  const both = loadConfig({ PUBLIC_URL: 'https://mcp.example.com/api', AUTH_RESOURCE: 'https://id.example.com/mcp' });
  assert.equal(both.AUTH_RESOURCE, 'https://id.example.com/mcp');
  assert.equal(loadConfig({}).AUTH_RESOURCE, undefined);
  for (const bad of ['mcp.example.com/api', 'ftp://mcp.example.com', 'https://mcp.example.com/api?x=1']) {
    assert.match(configError({ PUBLIC_URL: bad }).message, /PUBLIC_URL/, bad);
  }
});

test('the call path limits: write-behind, append batching and the session cache, with their bounds', () => {
  const c = loadConfig({});
  assert.equal(c.NOTIFICATION_WRITE_BEHIND, 64);
  assert.equal(c.APPEND_BATCH_MAX, 64);
  assert.equal(c.APPEND_BATCHES_IN_FLIGHT, 2);
  assert.equal(c.SESSION_CACHE_SIZE, 10_000);
  assert.equal(loadConfig({ SESSION_CACHE_SIZE: '0' }).SESSION_CACHE_SIZE, 0);
  assert.equal(loadConfig({ NOTIFICATION_WRITE_BEHIND: '1' }).NOTIFICATION_WRITE_BEHIND, 1);
  for (const [k, v] of [
    ['NOTIFICATION_WRITE_BEHIND', '0'],
    ['APPEND_BATCH_MAX', '0'],
    ['APPEND_BATCHES_IN_FLIGHT', '0'],
    ['SESSION_CACHE_SIZE', '-1'],
  ] as const) {
    assert.match(configError({ [k]: v }).message, new RegExp(k), `${k}=${v} is refused, naming the variable`);
  }
});
