// `mcp-fleet bridge`: a worker whose only tool pack is an existing stdio MCP server, run as a pool of child
// processes. The children's lists become the worker's catalog; a child's list_changed republishes it.
import { createLogger, randomId, type FleetConfig } from '@mcp-fleet/shared';
import type { ToolPack } from '../pack.ts';
import { startWorker, type RunningWorker } from '../worker.ts';
import { fillPack, listChild } from './bridged-pack.ts';
import type { Child, ChildSpec } from './child.ts';
import { ChildPool } from './pool.ts';

export async function startBridge(config: FleetConfig, spec: ChildSpec): Promise<RunningWorker> {
  const workerId = config.NODE_ID ?? `bridge-${randomId(4)}`;
  const log = createLogger('bridge', config.LOG_LEVEL, workerId);
  const pool = new ChildPool({
    spec,
    children: config.BRIDGE_CHILDREN,
    concurrency: config.BRIDGE_CONCURRENCY,
    backoffMs: config.BRIDGE_RESTART_BACKOFF_MS,
    maxBackoffMs: config.BRIDGE_RESTART_MAX_BACKOFF_MS,
    log,
  });
  const pack: Required<ToolPack> = { tools: [], resources: [], resourceTemplates: [], prompts: [] };
  const fill = async (child: Child) => {
    const client = child.client;
    if (!client) return;
    const options = {
      pool,
      maxRuns: config.JOB_MAX_STALLS + 1,
      completions: client.getServerCapabilities()?.completions !== undefined,
      log,
    };
    fillPack(pack, await listChild(client), options);
  };
  let worker: RunningWorker | undefined;

  // The children are copies of one server: whichever says its list changed is listed again, and the fleet hears it.
  // A burst of list_changed (a server registering tools one by one) costs one listing while one is under way.
  let pending: Child | undefined;
  let listing = false;
  const listAgain = async () => {
    listing = true;
    while (pending) {
      const child = pending;
      pending = undefined;
      try {
        await fill(child);
        await worker?.catalogChanged();
        log.info({ child: child.index, tools: pack.tools.length }, 'bridged server list changed');
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'could not list the bridged server again');
      }
    }
    listing = false;
  };
  pool.onListChanged = (child) => {
    pending = child;
    if (worker && !listing) void listAgain();
  };
  try {
    await fill(await pool.start());
  } catch (err) {
    await pool.stop();
    throw err;
  }
  try {
    worker = await startWorker({ ...config, NODE_ID: workerId }, [pack]);
  } catch (err) {
    await pool.stop();
    throw err;
  }
  // A list that changed while the pack was first listed or the worker started (tools registered after the
  // handshake) is listed again now.
  if (pending) void listAgain();
  const running = worker;
  log.info(
    { command: spec.command, children: pool.children.map((c) => c.pid), concurrency: config.BRIDGE_CONCURRENCY },
    'bridge ready',
  );
  return {
    workerId,
    catalogChanged: () => running.catalogChanged(),
    async close() {
      await running.close();
      await pool.stop();
    },
  };
}
