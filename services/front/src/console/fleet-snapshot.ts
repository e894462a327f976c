// What the operator console shows, read from Redis so that any node shows the whole fleet: front nodes (their
// heartbeats), workers (the catalog, and which worker runs which job), queues (BullMQ counts, waits), sessions and
// principals (the sessions index), calls in flight with their latest progress and output (each call's own stream),
// and the recent errors and refusals. Every read is bounded: fixed caps on jobs and sessions sampled and on stream
// entries read, no KEYS and no scans of the keyspace; one snapshot serves every viewer of a node.
import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  KIND_LETTERS,
  PARTIAL_RESULT_METHOD,
  parseSessionMember,
  recentIncidents,
  type CallJob,
  type FleetKeys,
  type Incident,
} from '@mcp-fleet/shared';
import type { FrontBeat } from './front-heartbeat.ts';

/** Caps: jobs listed per queue and state, sessions sampled for the principal counts, stream entries per call. */
export const CAPS = { activeJobs: 100, waitingJobs: 50, delayedJobs: 50, sessionsSampled: 1000, entries: 24 };

export interface FrontRow extends FrontBeat {
  ageMs: number;
}
export interface WorkerRow {
  workerId: string;
  queue: string;
  tools: string[];
  running: number;
  parked: number;
  ageMs: number;
}
export interface QueueRow {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  /** waits of the jobs sampled (waiting now: so far; running now: before they started), ms */
  waitP50?: number;
  waitP95?: number;
  waitMax?: number;
}
export interface CallRow {
  jobId: string;
  queue: string;
  state: 'running' | 'waiting' | 'parked';
  method: string;
  target: string;
  principal: string;
  worker?: string;
  task?: string;
  startedAt: number;
  progress?: { progress: number; total?: number; message?: string };
  /** the latest partial output or log line, as text */
  output?: string;
}
export interface Snapshot {
  at: number;
  fronts: FrontRow[];
  workers: WorkerRow[];
  queues: QueueRow[];
  sessions: { live: number; sampled: number; principals: number; top: { principal: string; sessions: number }[] };
  callers: { principal: string; calls: number }[];
  calls: CallRow[];
  incidents: Incident[];
}

export function percentile(sorted: number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** The latest progress and text output of a call, from the newest entries of its stream. */
export function latestActivity(entries: [string, string[]][]): Pick<CallRow, 'progress' | 'output'> {
  const out: Pick<CallRow, 'progress' | 'output'> = {};
  for (const [, fields] of entries) {
    const { k: kind, m: raw } = entryFields(fields);
    if (kind !== KIND_LETTERS.message || !raw) continue;
    let msg: { method?: string; params?: Record<string, unknown> };
    try {
      msg = JSON.parse(raw);
    } catch {
      continue;
    }
    const p = msg.params ?? {};
    if (msg.method === 'notifications/progress' && !out.progress && typeof p.progress === 'number') {
      out.progress = {
        progress: p.progress,
        ...(typeof p.total === 'number' && { total: p.total }),
        ...(typeof p.message === 'string' && { message: p.message }),
      };
    } else if (out.output === undefined && msg.method === PARTIAL_RESULT_METHOD) {
      out.output = textOf(p.content);
    } else if (out.output === undefined && msg.method === 'notifications/message') {
      out.output = typeof p.data === 'string' ? p.data : JSON.stringify(p.data);
    }
    if (out.progress && out.output !== undefined) break;
  }
  return out;
}

/** A stream entry's field/value list as an object (the kind letter `k` may itself be "m"). */
function entryFields(list: string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (let i = 0; i + 1 < list.length; i += 2) out[list[i]!] = list[i + 1];
  return out;
}

function textOf(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content.map((c) => (c as { text?: unknown }).text ?? '').join('');
}

/** A call as read, with the job data the console keeps to itself (its session and stream). */
interface Tracked {
  row: CallRow;
  job: CallJob;
}
export type StreamRef = Pick<CallJob, 'session' | 'streamId'>;

export class FleetReader {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly mainQueue: string,
    private readonly heartbeatMs: number,
  ) {}

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      // Reuses the node's command connection, like the dispatcher's queues.
      q = new Queue(name, { connection: this.redis, prefix: this.keys.bullPrefix() });
      q.on('error', () => {});
      this.queues.set(name, q);
    }
    return q;
  }

  /** A snapshot of the fleet, and the streams of the calls in it (kept by the feed, to read a finished call's answer). */
  async read(): Promise<{ snapshot: Snapshot; streams: Map<string, StreamRef> }> {
    const now = Date.now();
    const [frontsRaw, catalogRaw, live, sampled, incidents] = await Promise.all([
      this.redis.hgetall(this.keys.frontNodes()),
      this.redis.hgetall(this.keys.catalog()),
      this.redis.zcard(this.keys.sessionsIndex()),
      this.redis.zrevrange(this.keys.sessionsIndex(), 0, CAPS.sessionsSampled - 1),
      recentIncidents(this.redis, this.keys, 30),
    ]);
    const fronts = this.fronts(frontsRaw, now);
    const catalog = Object.values(catalogRaw).flatMap((raw) => {
      try {
        return [JSON.parse(raw) as { workerId: string; queue: string; seenAt?: number; tools?: { name: string }[] }];
      } catch {
        return [];
      }
    });
    const queueNames = [...new Set([this.mainQueue, ...catalog.map((c) => c.queue)])].sort();
    const perQueue = await Promise.all(queueNames.map((name) => this.readQueue(name, now)));
    const tracked = perQueue.flatMap((q) => q.calls);
    await this.addActivity(tracked);
    const calls = tracked.map((t) => t.row);
    const streams = new Map(tracked.map((t) => [t.row.jobId, { session: t.job.session, streamId: t.job.streamId }]));
    const workers: WorkerRow[] = catalog
      .filter((c) => now - (c.seenAt ?? 0) < 3 * this.heartbeatMs)
      .map((c) => ({
        workerId: c.workerId,
        queue: c.queue,
        tools: (c.tools ?? []).map((t) => t.name),
        running: calls.filter((j) => j.state === 'running' && j.worker === c.workerId).length,
        parked: calls.filter((j) => j.state === 'parked' && j.worker === c.workerId).length,
        ageMs: now - (c.seenAt ?? 0),
      }))
      .sort((a, b) => a.workerId.localeCompare(b.workerId));
    const snapshot: Snapshot = {
      at: now,
      fronts,
      workers,
      queues: perQueue.map((q) => q.row),
      sessions: { live, ...principalCounts(sampled) },
      callers: topCounts(calls.map((c) => c.principal)).map(([principal, n]) => ({ principal, calls: n })),
      calls,
      incidents,
    };
    return { snapshot, streams };
  }

  private fronts(raw: Record<string, string>, now: number): FrontRow[] {
    const rows: FrontRow[] = [];
    for (const [id, json] of Object.entries(raw)) {
      try {
        const beat = JSON.parse(json) as FrontBeat;
        const ageMs = now - beat.seenAt;
        // Long silent: a node killed without a clean shutdown. Its entry goes (as the catalog drops dead workers).
        if (ageMs > 30 * this.heartbeatMs) void this.redis.hdel(this.keys.frontNodes(), id).catch(() => {});
        else rows.push({ ...beat, ageMs });
      } catch {}
    }
    return rows.sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  }

  private async readQueue(name: string, now: number): Promise<{ row: QueueRow; calls: Tracked[] }> {
    const q = this.queue(name);
    const [counts, active, waiting, delayed] = await Promise.all([
      q.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'failed'),
      q.getJobs(['active'], 0, CAPS.activeJobs - 1) as Promise<Job<CallJob>[]>,
      q.getJobs(['wait', 'prioritized'], 0, CAPS.waitingJobs - 1, true) as Promise<Job<CallJob>[]>,
      q.getJobs(['delayed'], 0, CAPS.delayedJobs - 1, true) as Promise<Job<CallJob>[]>,
    ]);
    const waits = [
      ...waiting.map((j) => now - j.timestamp),
      ...active.filter((j) => j.processedOn).map((j) => j.processedOn! - j.timestamp),
    ].sort((a, b) => a - b);
    const row: QueueRow = {
      name,
      waiting: (counts.wait ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
      waitP50: percentile(waits, 50),
      waitP95: percentile(waits, 95),
      waitMax: waits.at(-1),
    };
    const call = (j: Job<CallJob>, state: CallRow['state']): Tracked | undefined => {
      const d = j.data;
      if (!d?.session || !j.id) return undefined;
      const row: CallRow = {
        jobId: j.id,
        queue: name,
        state,
        method: d.method,
        target: d.target,
        principal: d.session.principal,
        ...(j.processedBy && { worker: j.processedBy }),
        ...(d.task && { task: d.task.id }),
        startedAt: state === 'running' ? (j.processedOn ?? j.timestamp) : j.timestamp,
      };
      return { row, job: d };
    };
    const calls = [
      ...active.map((j) => call(j, 'running')),
      ...delayed.map((j) => call(j, 'parked')),
      ...waiting.map((j) => call(j, 'waiting')),
    ].filter((c): c is Tracked => c !== undefined);
    return { row, calls };
  }

  /** Progress and output of the running and parked calls: the newest entries of each one's stream. */
  private async addActivity(calls: Tracked[]): Promise<void> {
    await Promise.all(
      calls.map(async ({ row: c, job }) => {
        if (c.state === 'waiting') return;
        const entries = (await this.redis
          .xrevrange(this.keys.stream(job.session, job.streamId), '+', '-', 'COUNT', CAPS.entries)
          .catch(() => [])) as [string, string[]][];
        Object.assign(c, latestActivity(entries));
      }),
    );
  }

  /**
   * The last message on the stream of a call that was in an earlier snapshot and has ended since: its response,
   * which the console shows under "recently finished". Undefined for a call not in `previous`.
   */
  async finalMessage(jobId: string, previous: Map<string, StreamRef>): Promise<unknown> {
    const job = previous.get(jobId);
    if (!job) return undefined;
    const [last] = (await this.redis
      .xrevrange(this.keys.stream(job.session, job.streamId), '+', '-', 'COUNT', 1)
      .catch(() => [])) as [string, string[]][];
    if (!last) return undefined;
    const raw = entryFields(last[1]).m;
    try {
      return raw ? JSON.parse(raw) : undefined;
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}

function principalCounts(members: string[]) {
  const principals = members.flatMap((m) => parseSessionMember(m)?.principal ?? []);
  const top = topCounts(principals).map(([principal, sessions]) => ({ principal, sessions }));
  return { sampled: members.length, principals: new Set(principals).size, top };
}

function topCounts(names: string[], n = 10): [string, number][] {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n);
}
