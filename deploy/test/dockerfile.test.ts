// The Dockerfile without a Docker engine: parsed (dockerfile-ast) and held to what matters in production — a
// multi-stage build whose runtime stage runs as a non-root user, has a HEALTHCHECK, starts the bundle with the role
// as its argument, and copies only what exists; and the health check script itself, run against real listeners.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { repoRoot } from '../../integration-tests/harness/process.ts';

const dockerfile = DockerfileParser.parse(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'));
const froms = dockerfile.getFROMs();
const lastFrom = froms.at(-1)!.getRange().start.line;
/** The runtime (last) stage's instructions. */
const runtime = dockerfile.getInstructions().filter((i) => i.getRange().start.line > lastFrom);
const all = (keyword: string, list: Instruction[] = runtime) => list.filter((i) => i.getKeyword() === keyword);
const args = (i: Instruction) => i.getArgumentsContent() ?? '';

test('multi-stage: the bundle is built in one stage and copied into a runtime stage', () => {
  assert.ok(froms.length >= 2, 'a build stage and a runtime stage');
  const copies = all('COPY').map(args);
  assert.ok(copies.some((c) => /--from=build\s+\/src\/dist\b/.test(c) || c.startsWith('/src/dist')));
  const flags = dockerfile
    .getCOPYs()
    .filter((c) => c.getRange().start.line > lastFrom)
    .flatMap((c) => c.getFlags().map((f) => `${f.getName()}=${f.getValue()}`));
  assert.ok(flags.includes('from=build'), 'the runtime stage takes the build from the build stage');
  assert.ok(
    all('RUN', dockerfile.getInstructions()).some((i) => /npm run build/.test(args(i))),
    'the image runs `npm run build`',
  );
});

test('the runtime stage runs as a non-root user', () => {
  const users = all('USER');
  assert.ok(users.length > 0, 'USER is set');
  assert.doesNotMatch(args(users.at(-1)!), /^(root|0)(:|$)/);
});

test('HEALTHCHECK runs the health check script; ENTRYPOINT is the bundle, the role is CMD (front by default)', () => {
  const health = all('HEALTHCHECK');
  assert.equal(health.length, 1);
  assert.match(args(health[0]!), /^CMD \["node", "dist\/healthcheck\.mjs"\]$/);
  assert.deepEqual(JSON.parse(args(all('ENTRYPOINT').at(-1)!)), ['node', 'dist/mcp-fleet.mjs']);
  assert.deepEqual(JSON.parse(args(all('CMD').at(-1)!)), ['front']);
  // The exec form: node is PID 1 and gets SIGTERM itself (the CLI drains on it).
  assert.match(args(all('ENTRYPOINT').at(-1)!), /^\[/);
});

test('what the build copies from the context exists, and .dockerignore lets it through', () => {
  const ignore = readFileSync(join(repoRoot, '.dockerignore'), 'utf8');
  for (const must of ['.git', '**/node_modules', 'dist'])
    assert.match(ignore, new RegExp(`^${must.replace(/[.*]/g, '\\$&')}$`, 'm'));
  const fromContext = dockerfile
    .getCOPYs()
    .filter((c) => !c.getFlags().some((f) => f.getName() === 'from'))
    .flatMap((c) => args(c).split(/\s+/).slice(0, -1))
    .filter((p) => p !== '.');
  for (const path of fromContext) assert.ok(existsSync(join(repoRoot, path)), path);
  // npm ci needs every workspace's manifest before the sources are copied.
  const workspaces = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { workspaces: string[] })
    .workspaces;
  for (const w of workspaces) assert.ok(fromContext.includes(`${w}/package.json`), `${w}/package.json is copied`);
  assert.match(ignore, /^!integration-tests\/package\.json$/m);
});

/** Runs the health check script for `role` against a listener answering `status` (none: nothing listens). */
async function healthcheck(role: string, env: Record<string, string>, status?: number): Promise<number | null> {
  const server = createServer((_req, res) => res.writeHead(status ?? 200).end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = String((server.address() as { port: number }).port);
  if (status === undefined) await new Promise((r) => server.close(r));
  const script = join(repoRoot, 'deploy/docker/healthcheck.mjs');
  // Asynchronously: this process's own listener must answer while the script runs.
  const child = spawn(process.execPath, [script, role], {
    env: { PATH: process.env.PATH ?? '', PORT: port, METRICS_PORT: port, ...env },
    stdio: 'ignore',
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  server.close();
  return code;
}

test('the health check: a front node answering /healthz is healthy, one that does not is not', async () => {
  assert.equal(await healthcheck('front', {}, 200), 0);
  assert.equal(await healthcheck('front', {}, 503), 1);
  assert.equal(await healthcheck('front', {}), 1, 'nothing listening');
});

test('the health check: a worker is checked through its metrics listener when it has one', async () => {
  assert.equal(await healthcheck('worker', { METRICS_ENABLED: 'true' }, 401), 0, 'answers (without the token)');
  assert.equal(await healthcheck('worker', { METRICS_ENABLED: 'true' }), 1, 'nothing listening');
  assert.equal(await healthcheck('worker', {}), 0, 'no listener to ask: a running worker is healthy');
});
