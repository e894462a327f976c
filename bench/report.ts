// Output: the live progress line (stderr), the figures table (stdout), the JSON results file and bench/RESULTS.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

/** One line of the table: a figure of the fleet beside one baseline measured in the same run. */
export interface Row {
  figure: string;
  unit: string;
  fleet: number | null;
  baseline: number | null;
  baselineLabel?: string;
  /** fleet / baseline */
  ratio: number | null;
  /** e.g. "≤ 1.00× baseline", "≥ 100000" */
  target?: string;
  met?: boolean | null;
  /**
   * The same figure of the floor measured in this run (bench/baselines/floor-*.ts: the architecture's path with
   * nothing of the fleet on it) and whether it meets the target: a target the floor misses cannot be met by the
   * fleet's own code on this machine.
   */
  floor?: { value: number; shown: string; met: boolean };
  note?: string;
}

/**
 * A target: its text, its test, and (where the run measured it) the floor's figure and the baseline it goes against.
 */
export interface Target {
  text: string;
  met: (fleet: number, ratio: number | null) => boolean;
  floor?: { value: number | null; baseline?: number | null };
}

export function row(
  figure: string,
  unit: string,
  fleet: number | null,
  baseline: number | null,
  baselineLabel?: string,
  target?: Target,
  note?: string,
): Row {
  const ratio = fleet !== null && baseline !== null && baseline !== 0 ? fleet / baseline : null;
  const met = target && fleet !== null && Number.isFinite(fleet) ? target.met(fleet, ratio) : target ? null : undefined;
  return {
    figure,
    unit,
    fleet,
    baseline,
    baselineLabel,
    ratio,
    target: target?.text,
    met,
    floor: floorOf(target, unit),
    note,
  };
}

function floorOf(target: Target | undefined, unit: string): Row['floor'] {
  const value = target?.floor?.value;
  if (!target?.floor || value === null || value === undefined || !Number.isFinite(value)) return undefined;
  const base = target.floor.baseline;
  const ratio = base !== undefined && base !== null && base !== 0 ? value / base : null;
  const shown = base === undefined ? fmt(value, unit) : ratio === null ? '—' : `${ratio.toFixed(2)}×`;
  return { value, shown, met: target.met(value, ratio) };
}

export class Progress {
  private readonly started = Date.now();
  private last = 0;
  private phase = '';
  private readonly tty = Boolean(process.stderr.isTTY);

  set(phase: string, detail = ''): void {
    const now = Date.now();
    const newPhase = phase !== this.phase;
    if (!newPhase && now - this.last < 200) return;
    this.last = now;
    const line = `[${((now - this.started) / 1000).toFixed(1).padStart(5)} s] ${phase}${detail ? ` — ${detail}` : ''}`;
    if (this.tty) process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns ?? 120) - 1)}`);
    else if (newPhase) process.stderr.write(`${line}\n`);
    this.phase = phase;
  }

  done(): void {
    if (this.tty) process.stderr.write('\r\x1b[K');
  }

  get elapsedMs(): number {
    return Date.now() - this.started;
  }
}

export function fmt(v: number | null | undefined, unit = ''): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  const abs = Math.abs(v);
  const digits = Number.isInteger(v) || abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 10 ? 2 : 3;
  const s = abs >= 10_000 ? Math.round(v).toLocaleString('en-US') : v.toFixed(digits);
  return unit ? `${s} ${unit}` : s;
}

function cells(r: Row): string[] {
  return [
    `${r.figure}`,
    fmt(r.fleet, r.unit),
    r.baseline === null ? '—' : `${fmt(r.baseline, r.unit)} (${r.baselineLabel})`,
    r.ratio === null ? '—' : `${r.ratio.toFixed(2)}×`,
    r.target ?? '—',
    r.met === undefined ? '' : r.met === null ? 'n/a' : r.met ? 'yes' : 'NO',
    r.floor ? `${r.floor.met ? 'yes' : 'no'} (${r.floor.shown})` : '',
  ];
}

const HEADER = ['figure', 'fleet', 'baseline', 'ratio', 'target', 'met?', 'floor meets it?'];

export function textTable(rows: Row[]): string {
  return textGrid(HEADER, rows.map(cells));
}

export function markdownTable(rows: Row[]): string {
  return markdownGrid(HEADER, rows.map(cells));
}

/** Any table of strings as aligned text columns. */
export function textGrid(header: string[], body: string[][]): string {
  const all = [header, ...body];
  const widths = header.map((_, i) => Math.max(...all.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) =>
    c
      .map((s, i) => s.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** Any table of strings as a markdown table. */
export function markdownGrid(header: string[], body: string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...body.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

export function machine(): Record<string, unknown> {
  let nproc = String(cpus().length);
  let freeH = '';
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
    freeH = execFileSync('free', ['-h'], { encoding: 'utf8' }).trim();
  } catch {
    // not Linux coreutils
  }
  return {
    nproc: Number(nproc),
    cpu: cpus()[0]?.model,
    memTotalGiB: +(totalmem() / 2 ** 30).toFixed(1),
    memFreeGiB: +(freemem() / 2 ** 30).toFixed(1),
    freeH,
    loadavg: loadavg().map((l) => +l.toFixed(2)),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

/** Versions of what was measured: the SDK baselines, the fleet's main dependencies, Redis, the fleet's commit. */
export function versions(root: string, redisInfo: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pkg of [
    '@modelcontextprotocol/sdk',
    '@modelcontextprotocol/server',
    'undici',
    'fastify',
    'bullmq',
    'ioredis',
    'tsx',
  ]) {
    try {
      out[pkg] = (
        JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }
      ).version;
    } catch {
      out[pkg] = '?';
    }
  }
  out.redis = /redis_version:(\S+)/.exec(redisInfo)?.[1] ?? '?';
  try {
    const git = (args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
    out.fleetCommit = git(['rev-parse', '--short', 'HEAD']);
    out.fleetTree = git(['status', '--porcelain', '--', 'shared', 'services'])
      ? 'modified (uncommitted changes in shared/ or services/)'
      : 'clean';
  } catch {
    // not a git checkout
  }
  return out;
}

export interface Results {
  startedAt: string;
  mode: 'full' | 'quick';
  durationMs: number;
  machine: Record<string, unknown>;
  versions: Record<string, string>;
  rows: Row[];
  notes: string[];
  details: string[];
  raw: Record<string, unknown>;
}

export function writeJson(dir: string, results: Results): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${results.startedAt.replace(/[:.]/g, '-')}${results.mode === 'quick' ? '-quick' : ''}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

export function writeMarkdown(file: string, results: Results, jsonName: string): void {
  const m = results.machine;
  const met = results.rows.filter((r) => r.met === true).length;
  const missed = results.rows.filter((r) => r.met === false);
  const missedByFloor = missed.filter((r) => r.floor && !r.floor.met);
  const name = (r: Row) => r.figure + (r.target?.includes('SDK') ? ` (vs ${r.baselineLabel})` : '');
  const text = `# mcp-fleet benchmark results

Generated by \`npm run bench\` on ${results.startedAt} (${(results.durationMs / 1000).toFixed(0)} s, ${results.mode} mode).
Raw figures: \`bench/results/${jsonName}\` (git-ignored; kept locally).

Machine: ${m.nproc} cores (${m.cpu}), ${m.memTotalGiB} GiB RAM, Node ${m.node}, load average (1/5/15 min) at the start ${(m.loadavgAtStart as number[] | undefined)?.join(' / ') ?? '?'}, at the end ${(m.loadavg as number[]).join(' / ')}.
Measured: mcp-fleet ${results.versions.fleetCommit ?? ''} (${results.versions.fleetTree ?? '?'}), SDK v1 ${results.versions['@modelcontextprotocol/sdk']}, SDK v2 server ${results.versions['@modelcontextprotocol/server']}, Redis ${results.versions.redis}, undici ${results.versions.undici}.
The front node, the worker, Redis, the SDK baselines and the load client share these cores, so every figure
stands beside a baseline measured in the same run (SDK servers serving the same \`echo\` and \`count\` tools, driven by
the same undici client); ratios are fleet ÷ baseline. Latency p50, throughput, fan-out and the virtual-users figures
are medians of ≥ 3 rounds interleaved between the servers. The last column puts each target to the floor measured in
the same run (the architecture's path with nothing of the fleet on it: bench/baselines/floor-*.ts) — its figure, and
whether it meets the target; a target the floor misses is out of reach of the fleet's own code on this machine.

${markdownTable(results.rows)}

Targets met: ${met} of ${results.rows.filter((r) => r.met !== undefined && r.met !== null).length}.${missed.length ? ` Missed: ${missed.map(name).join('; ')}.` : ''}${missedByFloor.length ? ` Of these, the floor measured in this run misses too (the last column): ${missedByFloor.map(name).join('; ')}.` : ''}

## Where the time goes

${results.details.join('\n')}

## How each figure is measured

${results.notes.map((n) => `- ${n}`).join('\n')}
`;
  writeFileSync(file, text);
}
