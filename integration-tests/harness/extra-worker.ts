// Adds a worker process to a fleet that is already running (startFleet starts its workers up front only): same
// Redis and key prefix, its own tool packs and, by default, its own queue.
import { baseEnv, type Fleet, type WorkerNode } from './fleet.ts';
import { FleetProcess } from './process.ts';

export interface ExtraWorkerOptions {
  nodeId: string;
  /** TOOL_PACKS: built-in names or module paths */
  toolPacks: string;
  /**
   * QUEUE the worker consumes. Workers that share a queue share its jobs, so a worker with other tools than the
   * rest of the fleet needs a queue of its own, or calls of its tools would land on workers without them.
   */
  queue?: string;
  env?: Record<string, string>;
  /** stem of the log file name (default: the node id) */
  logName?: string;
  readyTimeoutMs?: number;
}

/** Starts the worker and resolves once it logged "worker ready"; the caller stops it (kill or proc.stop()). */
export async function startExtraWorker(fleet: Fleet, opts: ExtraWorkerOptions): Promise<WorkerNode> {
  const proc = new FleetProcess({
    role: 'worker',
    nodeId: opts.nodeId,
    logName: opts.logName ?? 'extra-worker',
    env: {
      ...joiningEnv(fleet, opts.nodeId),
      TOOL_PACKS: opts.toolPacks,
      QUEUE: opts.queue ?? opts.nodeId,
      ...opts.env,
    },
  });
  return readyWorker(proc, opts.nodeId, 'worker ready', opts.readyTimeoutMs ?? 20_000);
}

/** The environment of a process joining `fleet` as `nodeId`: its Redis and key prefix. */
export function joiningEnv(fleet: Fleet, nodeId: string): Record<string, string> {
  return { ...baseEnv(), ...fleet.redisEnv, KEY_PREFIX: fleet.keyPrefix, NODE_ID: nodeId, LOG_LEVEL: 'info' };
}

/** Resolves with the worker once `proc` logged `readyMsg`; stops it (and rejects) when it does not in time. */
export async function readyWorker(
  proc: FleetProcess,
  nodeId: string,
  readyMsg: string,
  timeoutMs: number,
): Promise<WorkerNode> {
  try {
    await proc.waitForLog((e) => e.msg === readyMsg, timeoutMs, `"${readyMsg}"`);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return {
    nodeId,
    proc,
    pid: proc.pid,
    kill: (signal) => proc.kill(signal),
    waitForLog: (pred, timeoutMs, what) => proc.waitForLog(pred, timeoutMs, what),
  };
}
