// mcp-fleet bridge [--concurrency N] [--children N] [--option value …] -- <command> [args…]
// Runs an existing stdio MCP server as a worker kind (README, "Host an existing stdio server").
import { createHash } from 'node:crypto';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { loadConfig, type FleetConfig } from '@mcp-fleet/shared';
import type { ChildSpec } from '@mcp-fleet/worker';
import { UsageError, flagsToEnv } from './args.ts';

export { BRIDGE_USAGE } from './args.ts';

/** Short names of the bridge's own settings. */
const ALIASES: Record<string, string> = { '--concurrency': '--bridge-concurrency', '--children': '--bridge-children' };

export interface BridgeInvocation {
  config: FleetConfig;
  spec: ChildSpec;
}

export function parseBridge(argv: string[], env: NodeJS.ProcessEnv): BridgeInvocation {
  const dash = argv.indexOf('--');
  if (dash < 0 || dash === argv.length - 1) throw new UsageError('bridge needs `-- <command> [args…]`');
  const options = argv.slice(0, dash).map((a) => {
    const [name, ...value] = a.split('=');
    const alias = ALIASES[name!];
    return alias ? [alias, ...value].join('=') : a;
  });
  const [command, ...args] = argv.slice(dash + 1) as [string, ...string[]];
  const flags = flagsToEnv(options);
  const merged: Record<string, string | undefined> = { ...env, ...flags };
  // A bridge serves its server alone: no built-in packs unless asked, and a queue of its own, named after the
  // command so that every bridge worker of the same server shares it (and no other worker takes its calls).
  merged.QUEUE ??= `bridge-${createHash('sha256')
    .update(JSON.stringify([command, ...args]))
    .digest('hex')
    .slice(0, 12)}`;
  const config = loadConfig(merged);
  if (!merged.TOOL_PACKS) config.TOOL_PACKS = [];
  // BullMQ takes no more calls than the children can run at once; the rest wait in the queue, holding no worker.
  if (merged.WORKER_CONCURRENCY === undefined) {
    config.WORKER_CONCURRENCY = config.BRIDGE_CHILDREN * config.BRIDGE_CONCURRENCY;
  }
  const childEnv: Record<string, string> = { ...getDefaultEnvironment() };
  for (const name of config.BRIDGE_ENV) {
    const v = env[name];
    if (v !== undefined) childEnv[name] = v;
  }
  return { config, spec: { command, args, env: childEnv } };
}
