// What Redis spends its time on per call, script by script: the names of the Lua scripts the fleet and BullMQ run
// (Redis sees only their sha1), and a SLOWLOG sample — with a 0 µs threshold Redis logs every command with its own
// execution time (no I/O, no parsing of the request; a script's time includes the commands it runs, which are left
// out on their own) — taken while 32 callers call `echo`. INFO commandstats says the same per command name but lumps every script under `evalsha`.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { McpClient } from './load.ts';

/** sha1 → script name, for our Lua scripts (shared/src/scripts) and BullMQ's (as ioredis loads them: EVALSHA of the content). */
export function scriptNames(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const sha = (text: string) => createHash('sha1').update(text).digest('hex');
  const dir = join(root, 'shared', 'src', 'scripts');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.lua')))
    out.set(sha(readFileSync(join(dir, f), 'utf8')), `fleet ${f.replace(/-(\d+|n)\.lua$/, '')}`);
  try {
    const bull = createRequire(join(root, 'package.json'))('bullmq/dist/cjs/scripts/index.js') as Record<
      string,
      { name: string; content: string }
    >;
    for (const s of Object.values(bull)) out.set(sha(s.content), `BullMQ ${s.name}`);
  } catch {
    // another BullMQ layout: scripts are then shown by sha
  }
  return out;
}

export interface RedisTimeShare {
  /** a script's name, or a command's (run at the top level, not inside a script) */
  label: string;
  /** how many ran per call */
  perCall: number;
  /** µs of Redis execution per call */
  usPerCall: number;
}

/** Commands to leave out: the sample's own, and the probe's. */
const OWN = new Set(['slowlog', 'config', 'info', 'ping', 'client']);
/** Entries SLOWLOG keeps: ~90 per fleet call (its scripts' own commands are logged too), so ≤ 1,000 calls a sample. */
const SLOWLOG_ENTRIES = 100_000;

/**
 * Redis execution time per call by top-level command (scripts by name) while `calls` calls run on `clients` (one
 * server's initialized callers). The sum is what Redis spends executing; its CPU per call (/proc) adds reading, parsing
 * and answering the commands, pub/sub delivery and the background (BullMQ's blocking waits and timers).
 */
export async function redisTimeByScript(
  probe: Redis,
  clients: McpClient[],
  names: Map<string, string>,
  calls: number,
): Promise<{ shares: RedisTimeShare[]; usPerCall: number; truncated: boolean }> {
  const setting = async (k: string) => String(((await probe.config('GET', k)) as string[])[1] ?? '');
  const restore = { threshold: await setting('slowlog-log-slower-than'), maxLen: await setting('slowlog-max-len') };
  try {
    await probe.config('SET', 'slowlog-max-len', String(SLOWLOG_ENTRIES));
    await probe.slowlog('RESET');
    await probe.config('SET', 'slowlog-log-slower-than', '0');
    let next = 0;
    await Promise.all(
      clients.map(async (c) => {
        while (next++ < calls) await c.call('echo', { text: 'time my scripts' });
      }),
    );
    await probe.config('SET', 'slowlog-log-slower-than', restore.threshold);
    const log = (await probe.slowlog('GET', SLOWLOG_ENTRIES)) as [number, number, number, string[], string][];
    await probe.slowlog('RESET');
    // The log's entries (copies of every command's arguments) leave freed pages behind in Redis's allocator; given
    // back, they do not count in the RSS figures of the scenarios after this one.
    await probe.call('MEMORY', 'PURGE');
    const by = new Map<string, { n: number; us: number }>();
    const add = (label: string, us: number) => {
      const e = by.get(label) ?? { n: 0, us: 0 };
      e.n++;
      e.us += us;
      by.set(label, e);
    };
    // A script's own commands come from the script's client (`?:0`), and the script's time includes them. (EXEC is
    // not logged — Redis logs the commands of a MULTI block one by one as EXEC runs them.)
    for (const [, , us, args, addr] of log) {
      const cmd = String(args[0]).toLowerCase();
      if (addr === '?:0' || OWN.has(cmd)) continue;
      add(
        cmd === 'evalsha' ? (names.get(String(args[1])) ?? `script ${String(args[1]).slice(0, 8)}`) : cmd,
        Number(us),
      );
    }
    const shares = [...by]
      .map(([label, e]) => ({ label, perCall: e.n / calls, usPerCall: e.us / calls }))
      .sort((a, b) => b.usPerCall - a.usPerCall);
    // A full log lost its oldest entries: the figures would be too low.
    return { shares, usPerCall: shares.reduce((a, s) => a + s.usPerCall, 0), truncated: log.length >= SLOWLOG_ENTRIES };
  } finally {
    await probe.config('SET', 'slowlog-log-slower-than', restore.threshold).catch(() => {});
    await probe.config('SET', 'slowlog-max-len', restore.maxLen).catch(() => {});
  }
}

/** "BullMQ moveToFinished 66.6 µs (×1.00); …; other commands 12.0 µs" — the `top` largest, the rest summed. */
export function describeShares(shares: RedisTimeShare[], top = 6): string {
  const shown = shares.slice(0, top).map((s) => `${s.label} ${s.usPerCall.toFixed(1)} µs (×${s.perCall.toFixed(2)})`);
  const rest = shares.slice(top).reduce((a, s) => a + s.usPerCall, 0);
  return [...shown, ...(rest > 0 ? [`the rest ${rest.toFixed(1)} µs`] : [])].join('; ');
}
