// Tasks as front nodes read and change them: created before their job is enqueued (so the client never hears of a
// task a tasks/get on another node could not find), looked up for their owner only, listed, cancelled. The record
// lives in the task's stream meta (shared/src/tasks.ts); the outcome is the stream's last event; the questions a
// task waits for are in its job's run hash.
import type { Redis } from 'ioredis';
import {
  FleetError,
  TASK_FIELDS,
  announceTaskStatus,
  appendEvent,
  detailedTask,
  taskOutcome,
  taskWaiting,
  parseTaskRecord,
  randomId,
  taskJobId,
  type CallJob,
  type FleetConfig,
  type FleetKeys,
  type SessionRef,
  type Era,
  type TaskOutcome,
  type TaskRecord,
} from '@mcp-fleet/shared';
import type { RequestOrigin } from '../protocol/origin.ts';
import { taskOwner, taskRef } from './task-binding.ts';

export class TaskStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly config: FleetConfig,
    private readonly nodeId: string,
  ) {}

  private metaKey(ref: SessionRef, taskId: string): string {
    return this.keys.streamMeta(ref, taskJobId(taskId));
  }

  /** The ttl a task gets: the one asked for, within TASK_MAX_TTL_MS; TASK_DEFAULT_TTL_MS when none was asked. */
  ttlFor(requested: unknown): number {
    const asked = typeof requested === 'number' && Number.isFinite(requested) && requested > 0 ? requested : undefined;
    return Math.round(Math.min(asked ?? this.config.TASK_DEFAULT_TTL_MS, this.config.TASK_MAX_TTL_MS));
  }

  /** Records a new task in `working`, bound to its owner, and lists it for the owner. */
  async create(job: CallJob): Promise<TaskRecord> {
    const task = job.task!;
    const f = TASK_FIELDS;
    const now = Date.now();
    const ttlMs = job.retention.ttlMs;
    const meta = this.metaKey(job.session, task.id);
    const index = this.keys.tasksOf(task.owner);
    const record: TaskRecord = {
      taskId: task.id,
      owner: task.owner,
      status: 'working',
      createdAt: now,
      updatedAt: now,
      ttlMs,
      pollMs: this.config.TASK_POLL_INTERVAL_MS,
      tool: job.target,
      version: job.protocolVersion,
      announced: task.announced,
    };
    await this.redis
      .multi()
      .hset(meta, {
        [f.owner]: record.owner,
        [f.status]: record.status,
        [f.createdAt]: now,
        [f.updatedAt]: now,
        [f.ttlMs]: ttlMs,
        [f.pollMs]: record.pollMs,
        [f.tool]: record.tool,
        [f.version]: record.version,
        [f.announced]: task.announced ? 1 : 0,
      })
      .pexpire(meta, ttlMs)
      .exec();
    // The owner's index is in another slot than the task (one MULTI cannot hold both over a cluster); written after the
    // record, so a listed task always exists.
    await this.redis.multi().zadd(index, now, task.id).pexpire(index, this.config.TASK_MAX_TTL_MS).exec();
    return record;
  }

  /** The caller's task, or undefined: unknown, expired, another caller's, or a call that has not become a task. */
  async find(origin: RequestOrigin, taskId: string): Promise<TaskRecord | undefined> {
    const h = await this.redis.hgetall(this.metaKey(taskRef(origin, taskId), taskId));
    const t = parseTaskRecord(taskId, h);
    return t && t.owner === taskOwner(origin) && t.announced ? t : undefined;
  }

  /** Like find, but a missing task is the catalogued error (carrying the request's id). */
  async get(origin: RequestOrigin, taskId: string): Promise<TaskRecord> {
    const t = await this.find(origin, taskId);
    if (!t) throw new FleetError('TASK_NOT_FOUND', { args: [taskId], era: origin.era });
    return t;
  }

  /** The task as tasks/get shows it in the era asked (shared/src/task-state.ts). */
  detail(origin: RequestOrigin, task: TaskRecord, era: Era): Promise<Record<string, unknown>> {
    return detailedTask(this.redis, this.keys, taskRef(origin, task.taskId), task, era);
  }

  outcome(origin: RequestOrigin, taskId: string): Promise<TaskOutcome | undefined> {
    return taskOutcome(this.redis, this.keys, taskRef(origin, taskId), taskId);
  }

  waiting(origin: RequestOrigin, taskId: string) {
    return taskWaiting(this.redis, this.keys, taskRef(origin, taskId), taskId);
  }

  /**
   * Cancels the task: `cancelled` is set (with the end of its stream) before this returns, and stays whatever its
   * job does next. False when the task had already ended.
   */
  async cancel(origin: RequestOrigin, t: TaskRecord): Promise<boolean> {
    const ref = taskRef(origin, t.taskId);
    const id = taskJobId(t.taskId);
    const seq = await appendEvent(this.redis, {
      stream: this.keys.stream(ref, id),
      meta: this.keys.streamMeta(ref, id),
      inflight: this.keys.inflight(ref),
      sessionStreams: this.keys.sessionStreams(ref),
      kind: 'end',
      data: '',
      writer: `front:${this.nodeId}:${randomId(6)}`,
      writerSeq: 1,
      maxLen: this.config.STREAM_MAX_EVENTS,
      ttlMs: Math.max(1000, t.createdAt + t.ttlMs - Date.now()),
      task: { status: 'cancelled', message: 'cancelled by the client' },
    });
    return seq > 0;
  }

  /** One page of the owner's tasks, oldest first; the cursor is the last task of the previous page. */
  async list(origin: RequestOrigin, cursor?: string): Promise<{ tasks: TaskRecord[]; nextCursor?: string }> {
    const owner = taskOwner(origin);
    const index = this.keys.tasksOf(owner);
    const size = this.config.TASK_LIST_PAGE_SIZE;
    let start = 0;
    if (cursor !== undefined) {
      const rank = await this.redis.zrank(index, decodeCursor(cursor, origin));
      // The cursor's task expired in between: its rank is gone, so the page starts where it would have been.
      start = rank === null ? 0 : rank + 1;
    }
    const ids = await this.redis.zrange(index, start, start + size);
    const found = await Promise.all(ids.slice(0, size).map((id) => this.find(origin, id)));
    const gone = ids.slice(0, size).filter((_, i) => !found[i]);
    if (gone.length) await this.redis.zrem(index, ...gone);
    const tasks = found.filter((t): t is TaskRecord => t !== undefined);
    const more = ids.length > size;
    return { tasks, ...(more && { nextCursor: Buffer.from(ids[size - 1]!).toString('base64url') }) };
  }

  /** Tells the task's client its status changed (shared/src/task-state.ts, announceTaskStatus). */
  async announceStatus(origin: RequestOrigin, taskId: string): Promise<void> {
    await announceTaskStatus(this.redis, this.keys, taskRef(origin, taskId), taskId, {
      ...(origin.era === 'session' && { session: origin.session }),
      retention: { sessionTtlMs: origin.sessionTtlMs, maxEvents: this.config.STREAM_MAX_EVENTS },
    }).catch(() => {});
  }
}

function decodeCursor(cursor: string, origin: RequestOrigin): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(id)) throw new FleetError('INVALID_CURSOR', { args: [cursor], era: origin.era });
  return id;
}
