// Who may scrape metrics: with METRICS_TOKEN, only a request bearing it; without, only on a loopback bind address.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metricsAccess } from '../src/http/metrics-route.ts';

const TOKEN = 'a-scrape-token-of-some-length';
const bearer = (t: string) => ({ headers: { authorization: `Bearer ${t}` } });

test('a token is required when one is configured, wherever the node listens', () => {
  for (const HOST of ['127.0.0.1', '0.0.0.0']) {
    const config = { HOST, METRICS_TOKEN: TOKEN };
    assert.deepEqual(metricsAccess(bearer(TOKEN), config), { allowed: true });
    assert.deepEqual(metricsAccess({ headers: {} }, config), { allowed: false, error: 'METRICS_UNAUTHORIZED' });
    assert.deepEqual(metricsAccess(bearer(`${TOKEN}x`), config), { allowed: false, error: 'METRICS_UNAUTHORIZED' });
    assert.deepEqual(metricsAccess(bearer('short'), config), { allowed: false, error: 'METRICS_UNAUTHORIZED' });
    assert.deepEqual(metricsAccess({ headers: { authorization: TOKEN } }, config), {
      allowed: false,
      error: 'METRICS_UNAUTHORIZED',
    });
  }
});

test('without a token, metrics are served on loopback bind addresses only', () => {
  for (const HOST of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) {
    assert.deepEqual(metricsAccess({ headers: {} }, { HOST }), { allowed: true }, HOST);
  }
  for (const HOST of ['0.0.0.0', '::', '10.0.0.5', 'mcp.example.com']) {
    assert.deepEqual(metricsAccess(bearer(TOKEN), { HOST }), { allowed: false, error: 'METRICS_FORBIDDEN' }, HOST);
  }
});
