// Turns `--some-setting value` (or `--some-setting=value`) into the environment name SOME_SETTING, so flags and
// env share one validated configuration (shared/src/config.ts).
import { configKeys } from '@mcp-fleet/shared';

export class UsageError extends Error {}

/** (Here rather than in bridge.ts, so the CLI's usage text does not load the bridge.) */
export const BRIDGE_USAGE = `bridge [--concurrency N] [--children N] [--option value …] -- <command> [args…]
           runs a stdio MCP server as a worker: its tools, resources and prompts join the catalog`;

export function flagsToEnv(argv: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf('=');
    const name = (eq >= 0 ? arg.slice(2, eq) : arg.slice(2)).replace(/-/g, '_').toUpperCase();
    if (!(configKeys as string[]).includes(name))
      throw new UsageError(`unknown option --${arg.slice(2).split('=')[0]}`);
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`option ${arg} needs a value`);
    env[name] = value;
  }
  return env;
}
