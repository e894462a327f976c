// `npm run conformance`: the official MCP conformance suite against two front nodes behind a real round-robin
// load balancer (haproxy, no affinity), with one worker serving the conformance fixtures. Both spec revisions the
// suite judges are run, each at its own wire: `--requirements 2025-11-25` and `--requirements 2026-07-28`.
//
// What must pass: every scenario a revision requires (the suite's scored part), and the unscored scenarios whose
// rules are clear (UNSCORED_REQUIRED), and every scenario of the tasks extension (io.modelcontextprotocol/tasks,
// which the suite runs unscored at 2026-07-28).
// Installs what is missing: haproxy (apt) and the suite's CLI with the Node 22 it needs (npm, into .tmp/).
// Prints the suite's report, one line per revision, and ends with `N passed, M failed` (scenarios).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from '@mcp-fleet/shared';
import { startFleet } from '../integration-tests/harness/fleet.ts';
import { ensureHaproxy } from '../integration-tests/harness/haproxy.ts';

const ROOT = resolve(import.meta.dirname, '..');
const TOOLS = join(ROOT, '.tmp', 'conformance-cli');
const SUITE_VERSION = '0.2.0-alpha.12';
const REVISIONS = ['2025-11-25', '2026-07-28'] as const;
/** Unscored scenarios (pending or added after a release) that mcp-fleet holds itself to. */
const UNSCORED_REQUIRED = new Set([
  'json-schema-2020-12',
  'server-sse-polling',
  'server-session-lifecycle',
  'http-header-validation',
  'http-custom-header-server-validation',
]);
/** The tasks extension's scenarios (io.modelcontextprotocol/tasks): unscored by the suite, required here. */
const isTasksScenario = (scenario: string) => scenario.startsWith('tasks-');

function ensureSuite(): { node: string; cli: string } {
  const node = join(TOOLS, 'node_modules', '.bin', 'node');
  const cli = join(TOOLS, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
  const pkg = join(TOOLS, 'node_modules', '@modelcontextprotocol', 'conformance', 'package.json');
  const installed = existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
  if (!existsSync(node) || !existsSync(cli) || installed !== SUITE_VERSION) {
    // Its own folder: the repo's node_modules/.bin would otherwise shadow the system node in npm scripts.
    mkdirSync(TOOLS, { recursive: true });
    writeFileSync(join(TOOLS, 'package.json'), JSON.stringify({ name: 'conformance-cli', private: true }));
    console.error(`conformance: installing @modelcontextprotocol/conformance@${SUITE_VERSION} and node@22…`);
    const r = spawnSync(
      'npm',
      ['install', '--no-audit', '--no-fund', 'node@22', `@modelcontextprotocol/conformance@${SUITE_VERSION}`],
      { cwd: TOOLS, stdio: 'inherit' },
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

/** The server scenarios a revision scores, from the suite's own `list --requirements`. */
function scoredScenarios(node: string, cli: string, revision: string): Set<string> {
  const out = spawnSync(node, [cli, 'list', '--requirements', revision], { encoding: 'utf8' }).stdout;
  const section = out.split(/\n\s*\n/).find((block) => block.startsWith('Server scenarios'));
  if (!section) throw new Error(`conformance list --requirements ${revision} printed no server scenarios`);
  return new Set([...section.matchAll(/^\s+- (\S+)$/gm)].map((m) => m[1]!));
}

interface Tally {
  /** scored by the suite, and the unscored ones in UNSCORED_REQUIRED */
  required: { passed: string[]; failed: string[] };
  /** the tasks extension's (required too, counted apart) */
  tasks: { passed: string[]; failed: string[] };
  /** unscored scenarios whose rules are not settled yet: reported only */
  other: { passed: string[]; failed: string[] };
}

/** A scenario passes when every check in its checks.json succeeded (INFO and SKIPPED included). */
function tally(resultsDir: string, scored: Set<string>): Tally {
  const t: Tally = {
    required: { passed: [], failed: [] },
    tasks: { passed: [], failed: [] },
    other: { passed: [], failed: [] },
  };
  if (!existsSync(resultsDir)) return t;
  for (const entry of readdirSync(resultsDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const file = join(resultsDir, entry.name, 'checks.json');
    if (!existsSync(file)) continue;
    // Directory names are `server-<scenario>-<timestamp>`.
    const scenario = entry.name.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T.*$/, '');
    const checks = JSON.parse(readFileSync(file, 'utf8')) as { status: string }[];
    const ok = checks.length > 0 && checks.every((c) => ['SUCCESS', 'INFO', 'SKIPPED'].includes(c.status));
    const bucket =
      scored.has(scenario) || UNSCORED_REQUIRED.has(scenario)
        ? t.required
        : isTasksScenario(scenario)
          ? t.tasks
          : t.other;
    (ok ? bucket.passed : bucket.failed).push(scenario);
  }
  return t;
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
  const lines: string[] = [];
  let passed = 0;
  let failed = 0;
  try {
    await new Promise((r) => setTimeout(r, 300));
    const url = `http://127.0.0.1:${lbPort}/mcp`;
    for (const revision of REVISIONS) {
      console.log(
        `conformance: suite ${SUITE_VERSION}, --requirements ${revision}, against ${url} → ${fleet.fronts.map((f) => f.url).join(', ')}`,
      );
      const results = join(dir, `results-${revision}`);
      const run = spawnSync(node, [cli, 'server', '--url', url, '--requirements', revision, '-o', results], {
        stdio: ['ignore', 'pipe', 'inherit'],
        encoding: 'utf8',
        timeout: 600_000,
      });
      process.stdout.write((run.stdout ?? '').replace(/^Results saved to .*\n/gm, ''));
      const scored = scoredScenarios(node, cli, revision);
      const t = tally(results, scored);
      const missing = [...scored].filter((s) => !t.required.passed.includes(s) && !t.required.failed.includes(s));
      t.required.failed.push(...missing.map((s) => `${s} (not run)`));
      // The suite runs the tasks extension at 2026-07-28 only: there it must have run at all.
      if (revision === '2026-07-28' && t.tasks.passed.length + t.tasks.failed.length === 0) {
        t.tasks.failed.push('tasks extension (not run)');
      }
      passed += t.required.passed.length + t.tasks.passed.length;
      failed += t.required.failed.length + t.tasks.failed.length;
      const scoredPassed = t.required.passed.filter((s) => scored.has(s)).length;
      const unscored = [...t.required.passed, ...t.required.failed].filter((s) => !scored.has(s)).length;
      const unscoredPassed = t.required.passed.length - scoredPassed;
      const all = (p: { passed: string[]; failed: string[] }) => p.passed.length + p.failed.length;
      lines.push(
        `conformance ${revision}: scored ${scoredPassed}/${scored.size}, unscored with clear rules ${unscoredPassed}/${unscored}` +
          `, tasks extension ${t.tasks.passed.length}/${all(t.tasks)}` +
          (all(t.other) ? `, other unscored (reported) ${t.other.passed.length}/${all(t.other)}` : '') +
          (t.required.failed.length + t.tasks.failed.length
            ? `; failed: ${[...t.required.failed, ...t.tasks.failed].join(', ')}`
            : ''),
      );
    }
  } finally {
    lb.kill('SIGTERM');
    await fleet.stop();
  }
  for (const l of lines) console.log(l);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`conformance: ${err.message}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
