// Behind a proxy: X-Forwarded-Host is the name checked only when TRUST_PROXY trusts the sender, and the
// metadata a client is sent to names the public URL (PUBLIC_URL), prefix included.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { type FleetError, loadConfig } from '@mcp-fleet/shared';
import { makeTransportGuard } from '../src/http/guards.ts';
import { protectedResourceMetadataUrl, registerResourceMetadata } from '../src/auth/resource-metadata.ts';
import { parseScopeRules } from '../src/auth/scope-rules.ts';

/** A route behind the same guard and fastify trustProxy setting as a front node's MCP paths. */
async function guarded(env: Record<string, string>) {
  const config = loadConfig({ HOST: '0.0.0.0', ALLOWED_HOSTS: 'mcp.example.com', ...env });
  const app = Fastify({ trustProxy: config.TRUST_PROXY });
  const guard = makeTransportGuard(config);
  app.get('/mcp', async (request, reply) => {
    try {
      guard({ method: 'POST', headers: request.headers, host: request.host });
      return { host: request.host };
    } catch (err) {
      return reply.code((err as FleetError).status).send({ error: (err as FleetError).errorName });
    }
  });
  return app;
}

const viaProxy = { host: 'front-1:3000', 'x-forwarded-host': 'mcp.example.com', accept: 'application/json' };

test('TRUST_PROXY=false: X-Forwarded-Host is ignored, the Host header is what is checked', async () => {
  const app = await guarded({});
  const r = await app.inject({ url: '/mcp', headers: viaProxy });
  assert.deepEqual([r.statusCode, r.json()], [403, { error: 'HOST_FORBIDDEN' }]);
  const spoof = await app.inject({ url: '/mcp', headers: { ...viaProxy, host: 'evil.example' } });
  assert.equal(spoof.statusCode, 403, 'a client cannot pass the check by sending X-Forwarded-Host itself');
});

test('TRUST_PROXY=true: the name the client used (X-Forwarded-Host) is checked', async () => {
  const app = await guarded({ TRUST_PROXY: 'true' });
  const r = await app.inject({ url: '/mcp', headers: viaProxy });
  assert.deepEqual([r.statusCode, r.json()], [200, { host: 'mcp.example.com' }]);
  const bad = await app.inject({ url: '/mcp', headers: { ...viaProxy, 'x-forwarded-host': 'evil.example' } });
  assert.equal(bad.statusCode, 403);
});

test('TRUST_PROXY=<CIDR>: X-Forwarded-Host only from a listed proxy', async () => {
  const app = await guarded({ TRUST_PROXY: '10.0.0.0/8' });
  const fromProxy = await app.inject({ url: '/mcp', headers: viaProxy, remoteAddress: '10.1.2.3' });
  assert.equal(fromProxy.statusCode, 200);
  const fromElsewhere = await app.inject({ url: '/mcp', headers: viaProxy, remoteAddress: '192.0.2.7' });
  assert.equal(fromElsewhere.statusCode, 403);
});

test('PUBLIC_URL with a prefix: metadata names the public resource and is served where RFC 9728 puts it', async () => {
  const config = loadConfig({ PUBLIC_URL: 'https://mcp.example.com/api', AUTH_ISSUERS: 'https://login.example.com' });
  assert.equal(
    protectedResourceMetadataUrl(config.AUTH_RESOURCE!),
    'https://mcp.example.com/.well-known/oauth-protected-resource/api/mcp',
  );
  const app = Fastify();
  registerResourceMetadata(app, config, parseScopeRules([]));
  // The balancer forwards /.well-known/… unchanged (it strips the prefix only from paths under it).
  for (const path of ['/.well-known/oauth-protected-resource/api/mcp', '/.well-known/oauth-protected-resource']) {
    const r = await app.inject({ url: path });
    assert.equal(r.statusCode, 200, path);
    assert.equal(r.json().resource, 'https://mcp.example.com/api/mcp', path);
  }
});
