// `mcp-fleet dev`: a Redis (REDIS_URL, else a container, else a local redis-server), one front node and one worker
// with the example tools, each front and worker a separate process as in production.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startRedis, type FleetConfig } from '@mcp-fleet/shared';

/** The running CLI (bin/mcp-fleet.mjs under tsx, or the built dist/mcp-fleet.mjs): children run the same build. */
const BIN = process.argv[1] ?? fileURLToPath(new URL('../../../bin/mcp-fleet.mjs', import.meta.url));

export async function runDev(config: FleetConfig, env: Record<string, string | undefined>): Promise<void> {
  const redis = await startRedis({ redisUrl: config.REDIS_URL });
  process.stderr.write(`mcp-fleet dev: Redis (${redis.kind}) at ${redis.url}\n`);
  // The operator console is on in development (off by default elsewhere) unless turned off explicitly.
  const consoleEnabled = env.CONSOLE_ENABLED ?? process.env.CONSOLE_ENABLED ?? 'true';
  const childEnv = { ...process.env, ...env, REDIS_URL: redis.url, CONSOLE_ENABLED: consoleEnabled };
  const children: ChildProcess[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    await redis.stop();
    process.exit(code);
  };
  const start = (role: 'front' | 'worker', ready: string) =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, role], { env: childEnv, stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        process.stdout.write(`${line}\n`);
        if (line.includes(`"msg":"${ready}"`)) resolve(line);
      });
      child.once('exit', (code) => {
        reject(new Error(`${role} exited with code ${code}`));
        if (!stopping) {
          process.stderr.write(`mcp-fleet dev: the ${role} process exited (${code}); stopping\n`);
          void stop(1);
        }
      });
    });
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  try {
    const [frontLine] = await Promise.all([start('front', 'front ready'), start('worker', 'worker ready')]);
    const url = (JSON.parse(frontLine) as { url: string }).url;
    const consoleUrl = new URL('/console', url).href;
    process.stderr.write(
      `\nmcp-fleet is running. MCP endpoint: ${url}\n${/^(false|0|no|off)$/i.test(consoleEnabled) ? '' : `Operator console: ${consoleUrl}\n`}Example tools: echo, batch_report, count, fail, log_levels, add, ask_user, ask_model, list_roots, whoami.\nNo authentication: every caller is the anonymous principal (local development only; see README, "Authentication and limits").\nCtrl-C stops it.\n\n`,
    );
  } catch (err) {
    process.stderr.write(`mcp-fleet dev: ${(err as Error).message}\n`);
    await stop(1);
  }
}
