// What every scenario gets: the running servers, the mode, the progress line, and a place for notes.
import type { Progress, Row } from './report.ts';
import type { Servers } from './servers.ts';
import type { Target } from './load.ts';

export interface Ctx {
  quick: boolean;
  servers: Servers;
  progress: Progress;
  /** sentences for RESULTS.md (how a figure was measured, caveats) */
  notes: string[];
  /** the most Redis connections seen from the front node (names front:<NODE_ID>:*), sampled by several scenarios */
  frontRedisPeak: number;
}

export interface ScenarioResult {
  rows: Row[];
  raw: unknown;
  /** markdown lines for the "Where the time goes" section of RESULTS.md */
  details?: string[];
}

/** The fleet first, then the baselines that serve `echo` the same way. */
export function allTargets(ctx: Ctx): Target[] {
  const b = ctx.servers.baselines;
  return [ctx.servers.fleet, b['v1-stateful'], b['v1-stateless'], b['v2-stateless']];
}

/**
 * allTargets and the architecture's floor (bench/baselines/floor-front.ts), for the scenarios that only call `echo`:
 * what the fleet's path costs with nothing of the fleet on it, measured in the same run.
 */
export function targetsWithFloor(ctx: Ctx): Target[] {
  return [...allTargets(ctx), ctx.servers.floor.target];
}

/** Rotates `items` by `round`, so no target is always measured first (or last) on a noisy machine. */
export function rotate<T>(items: T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/** The processes that serve a target (for CPU accounting): the fleet is front + worker + Redis. */
export function processesOf(ctx: Ctx, target: Target): Record<string, number | undefined> {
  if (target.key === 'fleet') {
    return { front: target.pid, worker: ctx.servers.worker.pid, redis: ctx.servers.redis.pid, client: process.pid };
  }
  if (target.key === 'floor') {
    return {
      front: target.pid,
      worker: ctx.servers.floor.worker.pid,
      redis: ctx.servers.redis.pid,
      client: process.pid,
    };
  }
  return { server: target.pid, client: process.pid };
}
