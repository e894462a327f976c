// mcp-fleet <dev|front|worker> [--option value …]; every option is also an environment variable.
// Each command imports only what it runs (the build splits the bundle along these imports): a front node does not
// load the worker's code, nor a worker the front's — what a module holds once loaded is memory an idle node keeps.
import type { Server } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { ConfigError, RedisUnavailableError, configKeys, loadConfig } from '@mcp-fleet/shared';
import { BRIDGE_USAGE, UsageError, flagsToEnv } from './args.ts';
import { KEYS_USAGE, runKeys } from './keys.ts';
import { startTelemetry } from './telemetry.ts';

const USAGE = `usage: mcp-fleet <command> [--option value …]

commands:
  dev      Redis (REDIS_URL, else a container, else a local redis-server) + one front node + one worker
  front    a front node (HTTP); needs REDIS_URL
  worker   a worker (runs tools); needs REDIS_URL
  ${BRIDGE_USAGE}; needs REDIS_URL
${KEYS_USAGE}
           API keys (AUTH_API_KEYS=true); need REDIS_URL

options (each also an environment variable, e.g. --port 3000 or PORT=3000):
  ${configKeys.map((k) => `--${k.toLowerCase().replace(/_/g, '-')}`).join('\n  ')}

See README.md for what each one means.`;

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (!command || command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (command === 'keys') return runKeys(rest);
  if (command === 'bridge') {
    const [{ parseBridge }, { startBridge }] = await Promise.all([import('./bridge.ts'), import('@mcp-fleet/worker')]);
    const { config, spec } = parseBridge(rest, process.env);
    const telemetry = await startTelemetry(config, 'worker');
    const bridge = await startBridge(config, spec);
    const close = () => bridge.close().finally(() => telemetry.shutdown());
    onSignal(close, config.WORKER_SHUTDOWN_GRACE_MS + FORCE_EXIT_MARGIN_MS);
    return;
  }
  const flags = flagsToEnv(rest);
  const env = { ...process.env, ...flags };
  const config = loadConfig(env);
  switch (command) {
    case 'dev': {
      const { runDev } = await import('./dev.ts');
      return runDev(config, flags);
    }
    case 'front': {
      frontHeapFlags();
      const { startFront } = await import('@mcp-fleet/front');
      const telemetry = await startTelemetry(config, 'front');
      const prometheus = telemetry.prometheus;
      const front = await startFront(config, {
        metrics: prometheus && ((req, res) => prometheus.getMetricsRequestHandler(req, res)),
      });
      const close = () => front.close().finally(() => telemetry.shutdown());
      onSignal(close, config.SHUTDOWN_GRACE_MS + FORCE_EXIT_MARGIN_MS);
      return;
    }
    case 'worker': {
      const { startWorker } = await import('@mcp-fleet/worker');
      const telemetry = await startTelemetry(config, 'worker');
      const prometheus = telemetry.prometheus;
      const worker = await startWorker(config);
      let metrics: Server | undefined;
      if (prometheus) {
        const { listenForMetrics } = await import('./metrics-listener.ts');
        metrics = await listenForMetrics(config, (req, res) => prometheus.getMetricsRequestHandler(req, res));
      }
      const close = () =>
        worker
          .close()
          .finally(() => metrics?.close())
          .finally(() => telemetry.shutdown());
      onSignal(close, config.WORKER_SHUTDOWN_GRACE_MS + FORCE_EXIT_MARGIN_MS);
      return;
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

/**
 * V8 settings for a front node, set before its code loads (so wherever it is launched from: the CLI, the image,
 * a bench). No allocation-site pretenuring: a front node allocates the objects of an idle SSE stream (socket,
 * request, response — kept for hours) at the same sites as those of every short request; once V8 has seen enough
 * of the former survive, it allocates all of them straight in the old generation, where the short-lived ones die
 * between the long-lived and leave it fragmented — ~30 MB at 10,000 streams, which no full GC gives back.
 */
function frontHeapFlags(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}

/** How much longer than its own grace a drain may take (closing connections, handing jobs back) before exiting. */
const FORCE_EXIT_MARGIN_MS = 5000;

/** Drains on SIGTERM/SIGINT; a second signal, or a drain longer than `limitMs`, exits at once. */
function onSignal(close: () => Promise<void>, limitMs: number): void {
  let closing = false;
  const handler = () => {
    if (closing) process.exit(1);
    closing = true;
    setTimeout(() => process.exit(1), limitMs).unref();
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) process.stderr.write(`mcp-fleet: ${err.message}\n\n${USAGE}\n`);
  else if (err instanceof ConfigError || err instanceof RedisUnavailableError)
    process.stderr.write(`mcp-fleet: ${err.message}\n`);
  else process.stderr.write(`mcp-fleet: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(2);
});
