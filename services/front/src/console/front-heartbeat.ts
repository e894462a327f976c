// A front node's heartbeat in Redis (`P:fronts`), as workers publish their catalog: the operator console on any node
// lists every front node from it. One HSET every CATALOG_HEARTBEAT_MS, removed on a clean shutdown; a killed node's
// entry stops being refreshed and the console shows it as silent, then drops it.
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { FleetKeys } from '@mcp-fleet/shared';
import { SERVER_INFO } from '../protocol/server-info.ts';

export interface FrontBeat {
  nodeId: string;
  version: string;
  host: string;
  pid: number;
  startedAt: number;
  seenAt: number;
  openStreams: number;
  rssBytes: number;
  heapUsedBytes: number;
  console: boolean;
}

export class FrontHeartbeat {
  private timer?: NodeJS.Timeout;
  private readonly startedAt = Date.now();

  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly nodeId: string,
    private readonly intervalMs: number,
    private readonly openStreams: () => number,
    private readonly consoleEnabled: boolean,
  ) {}

  start(): void {
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.hdel(this.keys.frontNodes(), this.nodeId).catch(() => {});
  }

  private async beat(): Promise<void> {
    const m = process.memoryUsage();
    const beat: FrontBeat = {
      nodeId: this.nodeId,
      version: SERVER_INFO.version,
      host: hostname(),
      pid: process.pid,
      startedAt: this.startedAt,
      seenAt: Date.now(),
      openStreams: this.openStreams(),
      rssBytes: m.rss,
      heapUsedBytes: m.heapUsed,
      console: this.consoleEnabled,
    };
    const key = this.keys.frontNodes();
    // The hash outlives its last node by a while only: nothing in Redis without a bound.
    await this.redis
      .multi()
      .hset(key, this.nodeId, JSON.stringify(beat))
      .pexpire(key, 30 * this.intervalMs)
      .exec()
      .catch(() => {});
  }
}
