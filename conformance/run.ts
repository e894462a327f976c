// `npm run conformance`: the official MCP conformance suite against two front nodes behind a real round-robin
// load balancer (haproxy, no affinity), with one worker serving the conformance fixtures.
//
// Installs what is missing: haproxy (apt) and the suite's CLI with the Node 22 it needs (npm, into .tmp/).
// Prints the suite's report and ends with `N passed, M failed`; exits non-zero when a scenario fails.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from '@mcp-fleet/shared';
import { startFleet } from '../integration-tests/harness/fleet.ts';

const ROOT = resolve(import.meta.dirname, '..');
const TOOLS = join(ROOT, '.tmp', 'conformance-cli');
const SUITE_VERSION = '0.1.16';
const suite = process.argv.includes('--all') ? 'all' : 'active';

function ensureHaproxy(): string {
  const have = spawnSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' }).stdout.trim();
  if (have) return have;
  console.error('conformance: installing haproxy (apt-get)…');
  const r = spawnSync(
    'sh',
    ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy'],
    { stdio: 'inherit' },
  );
  const path = spawnSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' }).stdout.trim();
  if (r.status !== 0 || !path)
    throw new Error('haproxy is missing and could not be installed: apt-get install haproxy');
  return path;
}

function ensureSuite(): { node: string; cli: string } {
  const node = join(TOOLS, 'node_modules', '.bin', 'node');
  const cli = join(TOOLS, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
  if (!existsSync(node) || !existsSync(cli)) {
    // Its own folder: the repo's node_modules/.bin would otherwise shadow the system node in npm scripts.
    mkdirSync(TOOLS, { recursive: true });
    writeFileSync(join(TOOLS, 'package.json'), JSON.stringify({ name: 'conformance-cli', private: true }));
    console.error(`conformance: installing @modelcontextprotocol/conformance@${SUITE_VERSION} and node@22…`);
    const r = spawnSync(
      'npm',
      ['install', '--no-audit', '--no-fund', 'node@22', `@modelcontextprotocol/conformance@${SUITE_VERSION}`],
      {
        cwd: TOOLS,
        stdio: 'inherit',
      },
    );
    if (r.status !== 0) throw new Error('could not install the conformance CLI');
  }
  return { node, cli };
}

function haproxyConfig(port: number, backends: number[]): string {
  return `global
  maxconn 2048
defaults
  mode http
  timeout connect 5s
  timeout client 1h
  timeout server 1h
  timeout http-keep-alive 2s
  # SSE must flow event by event: no request buffering, no Nagle delay.
  option http-no-delay
frontend mcp
  bind 127.0.0.1:${port}
  default_backend fronts
backend fronts
  # Round robin on every request, no affinity: consecutive requests of one session land on different nodes.
  balance roundrobin
${backends.map((p, i) => `  server front${i} 127.0.0.1:${p}`).join('\n')}
`;
}

async function main(): Promise<number> {
  const haproxy = ensureHaproxy();
  const { node, cli } = ensureSuite();
  const fleet = await startFleet({ fronts: 2, workers: 1, name: 'conformance', env: { TOOL_PACKS: 'conformance' } });
  const lbPort = await freePort();
  const dir = join(ROOT, '.tmp', `conformance-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    haproxyConfig(
      lbPort,
      fleet.fronts.map((f) => f.port),
    ),
  );
  const lb = spawn(haproxy, ['-f', cfg, '-db'], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await new Promise((r) => setTimeout(r, 300));
    const url = `http://127.0.0.1:${lbPort}/mcp`;
    console.log(
      `conformance: suite ${SUITE_VERSION} (${suite}) against ${url} → ${fleet.fronts.map((f) => f.url).join(', ')}`,
    );
    const run = spawnSync(node, [cli, 'server', '--url', url, '--suite', suite, '-o', join(dir, 'results')], {
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
      timeout: 600_000,
    });
    process.stdout.write(run.stdout ?? '');
    const { passed, failed } = countScenarios(join(dir, 'results'));
    console.log(`${passed} passed, ${failed} failed`);
    return failed === 0 && passed > 0 ? 0 : 1;
  } finally {
    lb.kill('SIGTERM');
    await fleet.stop();
  }
}

/** A scenario passes when every check in its checks.json succeeded. */
function countScenarios(resultsDir: string): { passed: number; failed: number } {
  let passed = 0;
  let failed = 0;
  if (!existsSync(resultsDir)) return { passed, failed: 1 };
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : e.name === 'checks.json' ? [join(d, e.name)] : [],
    );
  for (const file of walk(resultsDir)) {
    const checks = JSON.parse(readFileSync(file, 'utf8')) as { status: string }[];
    if (
      checks.length > 0 &&
      checks.every((c) => c.status === 'SUCCESS' || c.status === 'INFO' || c.status === 'SKIPPED')
    )
      passed++;
    else failed++;
  }
  return { passed, failed };
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`conformance: ${err.message}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
