// docker-compose.yml without a Docker engine: valid against the Compose Specification's JSON schema, the topology
// the README promises (Redis with AOF everysec + noeviction, 2 fronts, 2 workers, a round-robin balancer on the
// shared haproxy.cfg), and settings every front node and worker would start with.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { loadConfig } from '@mcp-fleet/shared';
import { allowedHosts, checkSecureBinding } from '@mcp-fleet/front';
import { durationMs, loadCompose, serviceEnv, type ComposeService } from '../../integration-tests/harness/compose.ts';
import { ensureHaproxy } from '../../integration-tests/harness/haproxy.ts';
import { repoRoot } from '../../integration-tests/harness/process.ts';

// The Compose Specification's schema (compose-spec/compose-spec, draft-07), as the dclint package ships it.
const schemaFile = join(repoRoot, 'node_modules/dclint/schemas/compose.schema.json');
const compose = loadCompose();
const services = compose.services;
const role = (name: string) => (services[name]?.command ?? [])[0];
const fronts = Object.keys(services).filter((n) => role(n) === 'front');
const workers = Object.keys(services).filter((n) => role(n) === 'worker');

test('the file is valid against the Compose Specification JSON schema', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  // It names draft-07 by its https:// URI, which ajv knows as http://: the draft ajv applies is the same.
  const { $schema: _draft, ...schema } = JSON.parse(readFileSync(schemaFile, 'utf8'));
  const validate = ajv.compile(schema);
  assert.ok(validate(compose), ajv.errorsText(validate.errors, { separator: '\n' }));
});

test('Redis keeps its data (AOF everysec) and never evicts', () => {
  const cmd = services.redis?.command ?? [];
  const arg = (name: string) => cmd[cmd.indexOf(name) + 1];
  assert.equal(arg('--appendonly'), 'yes');
  assert.equal(arg('--appendfsync'), 'everysec');
  assert.equal(arg('--maxmemory-policy'), 'noeviction');
  assert.ok(
    services.redis?.volumes?.some((v) => v.endsWith(':/data')),
    'the AOF lives on a volume',
  );
});

test('two front nodes and two workers of one image, reachable only through the balancer', () => {
  assert.equal(fronts.length, 2, fronts.join());
  assert.equal(workers.length, 2, workers.join());
  for (const name of [...fronts, ...workers]) {
    assert.equal(services[name]!.image, 'mcp-fleet:local', name);
    assert.equal(services[name]!.ports, undefined, `${name} publishes no port`);
  }
  const lb = services.lb!;
  assert.deepEqual(lb.ports, ['127.0.0.1:8080:8080'], 'one URL, on this machine only');
  assert.ok(lb.volumes?.includes('./deploy/haproxy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro'));
  const env = serviceEnv(lb);
  assert.deepEqual(
    [env.FRONT1, env.FRONT2],
    fronts.map((f) => `${f}:${serviceEnv(services[f]!).PORT}`),
  );
});

test('every front node and worker would start: valid settings, and a front passes its start-up checks', () => {
  for (const name of [...fronts, ...workers]) {
    const config = loadConfig(serviceEnv(services[name]!));
    assert.equal(config.REDIS_URL, 'redis://redis:6379', name);
    assert.equal(config.NODE_ID, name);
    if (role(name) === 'front') {
      assert.equal(config.HOST, '0.0.0.0');
      checkSecureBinding(config); // anonymous is explicit (AUTH_ALLOW_ANONYMOUS=true), not implied
      assert.deepEqual(allowedHosts(config), ['localhost', '127.0.0.1']);
      assert.equal(config.TRUST_PROXY, true, 'fronts trust the balancer, the only thing that reaches them');
      assert.equal(config.SSE_KEEPALIVE_MS, 15_000);
    }
  }
  // With API keys asked for instead, the same file still starts.
  const keyed = loadCompose({ AUTH_API_KEYS: 'true', AUTH_ALLOW_ANONYMOUS: 'false' });
  const config = loadConfig(serviceEnv(keyed.services[fronts[0]!]!));
  assert.deepEqual([config.AUTH_API_KEYS, config.AUTH_ALLOW_ANONYMOUS], [true, false]);
  checkSecureBinding(config);
});

test('stop_grace_period leaves time to drain: the grace setting plus the CLI’s 5 s margin', () => {
  const grace = (s: ComposeService, key: string) => loadConfig(serviceEnv(s))[key as 'SHUTDOWN_GRACE_MS'];
  for (const name of fronts) {
    const s = services[name]!;
    assert.ok(durationMs(s.stop_grace_period ?? '10s') >= grace(s, 'SHUTDOWN_GRACE_MS') + 5000, name);
  }
  for (const name of workers) {
    const s = services[name]!;
    assert.ok(durationMs(s.stop_grace_period ?? '10s') >= grace(s, 'WORKER_SHUTDOWN_GRACE_MS') + 5000, name);
  }
});

test('the observability profile adds an OTLP collector and Prometheus, and nothing else needs it', () => {
  const profiled = Object.keys(services).filter((n) => services[n]!.profiles?.length);
  assert.deepEqual(profiled.sort(), ['otel-collector', 'prometheus']);
  for (const n of profiled) assert.deepEqual(services[n]!.profiles, ['observability']);
  const on = loadCompose({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318' });
  const config = loadConfig(serviceEnv(on.services[workers[0]!]!));
  assert.equal(config.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://otel-collector:4318');
  assert.equal(loadConfig(serviceEnv(services[workers[0]!]!)).OTEL_EXPORTER_OTLP_ENDPOINT, undefined, 'off by default');
});

test('haproxy.cfg: round robin without affinity, SSE-safe timeouts, valid for haproxy itself', () => {
  const cfg = readFileSync(join(repoRoot, 'deploy/haproxy/haproxy.cfg'), 'utf8').replace(/#.*$/gm, '');
  assert.match(cfg, /^\s*balance roundrobin$/m);
  assert.doesNotMatch(cfg, /^\s*(cookie|stick|hash-type|balance source)\b/m, 'no session affinity');
  const keepAlive = 15_000;
  for (const t of ['client', 'server']) {
    const m = cfg.match(new RegExp(`^\\s*timeout ${t} (\\d+)s$`, 'm'));
    assert.ok(m && Number(m[1]) * 1000 > keepAlive * 2, `timeout ${t} well above the SSE keep-alive`);
  }
  assert.doesNotMatch(cfg, /http-buffer-request/, 'no request buffering');
  assert.match(cfg, /option httpchk GET \/readyz/);
  const haproxy = ensureHaproxy();
  // The balancer's environment as compose gives it (front names unresolved here: haproxy starts without them).
  for (const prefix of ['', '/api']) {
    const r = spawnSync(haproxy, ['-c', '-f', join(repoRoot, 'deploy/haproxy/haproxy.cfg')], {
      env: { ...process.env, ...serviceEnv(loadCompose({ MCP_PATH_PREFIX: prefix }).services.lb!) },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `haproxy -c (prefix ${JSON.stringify(prefix)}): ${r.stdout}${r.stderr}`);
  }
});
