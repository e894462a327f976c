// What a run checks before its handler starts, beyond the attempt count: that its tool has a free fleet-wide slot
// (`limits.concurrency`), and — for a re-run after its worker stopped — that the tool's retry policy allows it now
// (`retry.attempts`, `retry.backoffMs`). A run that must wait goes back to the queue until then, holding no worker.
import type { Redis } from 'ioredis';
import type { FleetKeys } from '@mcp-fleet/shared';
import type { AnyTool } from './define-tool.ts';
import type { RunState } from './run-state.ts';
import type { ToolSlots } from './tool-slots.ts';

export type Gate =
  | { kind: 'run' }
  /** try again at `until` (ms since the epoch) */
  | { kind: 'wait'; until: number; why: string }
  /** the tool's retries are used up: the call ends with this error result */
  | { kind: 'exhausted'; result: { isError: true; content: { type: 'text'; text: string }[] } };

/** How long a call whose tool has no free slot waits before it looks again (with jitter, so waiters spread). */
const SLOT_RETRY_MS = 250;

export interface GateDeps {
  redis: Redis;
  keys: FleetKeys;
  slots: ToolSlots;
  /** JOB_MAX_STALLS: BullMQ fails a call whose workers stopped more often */
  maxStalls: number;
}

export async function gateRun(
  deps: GateDeps,
  run: RunState,
  jobId: string,
  attempt: number,
  tool: AnyTool | undefined,
): Promise<Gate> {
  if (!tool) return { kind: 'run' };
  if (attempt > 1 && tool.annotations?.idempotentHint === true) {
    const runs = Math.min(tool.retry?.attempts ?? Number.POSITIVE_INFINITY, deps.maxStalls + 1);
    if (attempt > runs) {
      const text = `Tool ${tool.name} failed: its worker stopped ${attempt - 1} times (at most ${runs} runs); not run again`;
      return { kind: 'exhausted', result: { isError: true, content: [{ type: 'text', text }] } };
    }
    const backoff = tool.retry?.backoffMs ?? 0;
    if (backoff > 0 && (await run.backOff(attempt))) {
      return { kind: 'wait', until: Date.now() + backoff * 2 ** (attempt - 2), why: `retry ${attempt} backs off` };
    }
  }
  const limit = tool.limits?.concurrency;
  if (limit !== undefined && !(await deps.slots.acquire(tool.name, jobId, limit))) {
    return { kind: 'wait', until: Date.now() + SLOT_RETRY_MS + Math.random() * SLOT_RETRY_MS, why: 'no free slot' };
  }
  // It runs now: no longer one of the tool's waiting calls (the front's `limits.maxQueued` counts those).
  if (tool.limits?.maxQueued !== undefined) await deps.redis.zrem(deps.keys.queuedCalls(tool.name), jobId);
  return { kind: 'run' };
}
