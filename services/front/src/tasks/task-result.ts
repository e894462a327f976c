// 2025-11-25 tasks/result: blocks until the task ends and answers exactly what its tools/call would have, with the
// related-task `_meta`. While it waits, it carries what the task says — progress, logs, and the questions it asks
// (elicitation, sampling), which the client answers by POST on any node — read from the task's stream. So the
// answer never depends on the node: a client whose connection drops resumes it (Last-Event-ID) on any other.
//
// Its SSE event ids name the task's stream and the tasks/result request together — `~<base64url([taskId, id])>:<seq>`
// (`~` is in no other stream id) — so a resume knows which request to answer, with no state on any node.
import type { ServerResponse } from 'node:http';
import {
  FleetError,
  RELATED_TASK_META,
  isTerminalStatus,
  taskJobId,
  type JsonRpcId,
  type TaskRecord,
} from '@mcp-fleet/shared';
import type { FrontDeps } from '../deps.ts';
import type { JsonRpcResponse } from '../protocol/exchange.ts';
import type { RequestOrigin } from '../protocol/origin.ts';
import { JsonSink, SseSink, primingStyle, type EventSink, type SinkEvent } from '../streams/sinks.ts';
import { taskRef } from './task-binding.ts';

/** The label of a tasks/result stream in its event ids. */
export function taskResultStreamId(taskId: string, requestId: JsonRpcId): string {
  return `~${Buffer.from(JSON.stringify([taskId, requestId])).toString('base64url')}`;
}

/** The task and request a tasks/result event id names, or undefined when it is not one. */
export function parseTaskResultEventId(id: string): { taskId: string; requestId: JsonRpcId; seq: number } | undefined {
  const m = /^~([A-Za-z0-9_-]{1,400}):(\d{1,15})$/.exec(id.trim());
  if (!m) return undefined;
  try {
    const [taskId, requestId] = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8')) as unknown[];
    if (typeof taskId !== 'string' || (typeof requestId !== 'string' && typeof requestId !== 'number')) return;
    return { taskId, requestId, seq: Number(m[2]) };
  } catch {
    return undefined;
  }
}

const related = (taskId: string) => ({ [RELATED_TASK_META]: { taskId } });

/** tasks/result's answer from the task's outcome: the call's result or error, tied to the task. */
function resultResponse(requestId: JsonRpcId, taskId: string, message: string): JsonRpcResponse {
  const m = JSON.parse(message) as {
    result?: Record<string, unknown>;
    error?: { code: number; message: string; data?: unknown };
  };
  if (m.error) return { jsonrpc: '2.0', id: requestId, error: m.error };
  const result = m.result ?? {};
  return {
    jsonrpc: '2.0',
    id: requestId,
    result: { ...result, _meta: { ...(result._meta as object | undefined), ...related(taskId) } },
  };
}

/**
 * The sink of a tasks/result: what the task's stream says, as messages of the tasks/result request — notifications
 * and questions tied to the task, the call's response as this request's, a cancelled task's end as an error.
 */
class TaskResultSink implements EventSink {
  constructor(
    private readonly inner: EventSink,
    private readonly taskId: string,
    private readonly requestId: JsonRpcId,
  ) {}
  get resumable() {
    return this.inner.resumable;
  }
  write(event: SinkEvent): boolean {
    switch (event.type) {
      case 'message': {
        const m = JSON.parse(event.data) as { id?: unknown; method?: string; params?: Record<string, unknown> };
        const params = m.params ?? {};
        const data = {
          ...m,
          params: { ...params, _meta: { ...(params._meta as object | undefined), ...related(this.taskId) } },
        };
        return this.inner.write({ ...event, data: JSON.stringify(data) });
      }
      case 'response':
        return this.inner.write({
          ...event,
          data: JSON.stringify(resultResponse(this.requestId, this.taskId, event.data)),
        });
      case 'streamEnd': {
        const err = new FleetError('TASK_NO_RESULT', { args: [this.taskId], era: 'session' });
        return this.inner.write({
          type: 'response',
          streamId: event.streamId,
          seq: event.seq,
          data: JSON.stringify(err.toJsonRpc(this.requestId)),
        });
      }
      case 'inputRequests':
      case 'task':
        return true;
      default:
        return this.inner.write(event);
    }
  }
  onDrain(listener: () => void) {
    this.inner.onDrain(listener);
  }
  onClose(listener: () => void) {
    this.inner.onClose(listener);
  }
  end(abrupt?: boolean) {
    this.inner.end(abrupt);
  }
}

/**
 * Answers a tasks/result: at once (JSON) for a task that has ended; otherwise on a stream that first carries the
 * questions the task is waiting for, then follows the task to its end.
 */
export async function serveTaskResult(
  deps: FrontDeps,
  origin: RequestOrigin,
  task: TaskRecord,
  requestId: JsonRpcId,
  io: { respond(r: JsonRpcResponse): Promise<void>; takeOver(): ServerResponse; wantsSse: boolean },
): Promise<void> {
  if (isTerminalStatus(task.status)) return answerEnded(deps, origin, task.taskId, requestId, io);
  const ref = taskRef(origin, task.taskId);
  const id = taskJobId(task.taskId);
  const [seq, waiting] = await Promise.all([
    deps.redis.hget(deps.keys.streamMeta(ref, id), 'seq'),
    deps.tasks.waiting(origin, task.taskId),
  ]);
  // The task may have ended since it was read, its outcome at or before `seq`: following the stream from `seq` would
  // then wait forever. Read after `seq`, so an end after this read is on the stream past it.
  const now = await deps.tasks.find(origin, task.taskId);
  if (now && isTerminalStatus(now.status)) return answerEnded(deps, origin, task.taskId, requestId, io);
  const raw = io.takeOver();
  const label = taskResultStreamId(task.taskId, requestId);
  const inner = io.wantsSse
    ? new SseSink(raw, deps.config.SSE_RETRY_MS, primingStyle(origin.protocolVersion))
    : new JsonSink(raw);
  const sink = new TaskResultSink(inner, task.taskId, requestId);
  const afterSeq = Number(seq ?? 0);
  // The questions it waits for were asked before this request: they come first.
  for (const [qid, q] of Object.entries(waiting)) {
    const msg = { jsonrpc: '2.0', id: qid, method: q.method, params: q.params };
    sink.write({ type: 'message', streamId: label, seq: afterSeq, data: JSON.stringify(msg) });
  }
  await attach(deps, ref, id, label, afterSeq, requestId, sink, io.wantsSse);
}

/** The answer to a tasks/result for a task that has ended: its outcome, or TASK_NO_RESULT. */
async function answerEnded(
  deps: FrontDeps,
  origin: RequestOrigin,
  taskId: string,
  requestId: JsonRpcId,
  io: { respond(r: JsonRpcResponse): Promise<void> },
): Promise<void> {
  const outcome = await deps.tasks.outcome(origin, taskId);
  if (!outcome) {
    await io.respond(new FleetError('TASK_NO_RESULT', { args: [taskId], era: 'session' }).toJsonRpc(requestId));
    return;
  }
  await io.respond(resultResponse(requestId, taskId, JSON.stringify(outcome)));
}

/** A tasks/result resumed with Last-Event-ID (a GET, on any node): the rest, after the event the client had. */
export async function resumeTaskResult(
  deps: FrontDeps,
  origin: RequestOrigin,
  lastEventId: string,
  raw: () => ServerResponse,
): Promise<boolean> {
  const parsed = parseTaskResultEventId(lastEventId);
  if (!parsed) return false;
  const task = await deps.tasks.find(origin, parsed.taskId);
  if (!task) throw new FleetError('LAST_EVENT_ID_INVALID', { args: [JSON.stringify(lastEventId)] });
  const ref = taskRef(origin, task.taskId);
  const sink = new TaskResultSink(
    new SseSink(raw(), deps.config.SSE_RETRY_MS, primingStyle(origin.protocolVersion)),
    task.taskId,
    parsed.requestId,
  );
  const label = taskResultStreamId(task.taskId, parsed.requestId);
  await attach(deps, ref, taskJobId(task.taskId), label, parsed.seq, parsed.requestId, sink, false);
  return true;
}

async function attach(
  deps: FrontDeps,
  ref: { principal: string; sessionId: string },
  id: string,
  label: string,
  afterSeq: number,
  requestId: JsonRpcId,
  sink: EventSink,
  prime: boolean,
): Promise<void> {
  const view = await deps.hub.attach(
    {
      streamKey: deps.keys.stream(ref, id),
      metaKey: deps.keys.streamMeta(ref, id),
      streamId: label,
      afterSeq,
      requestId,
    },
    sink,
    { prime },
  );
  if (!view) sink.end(true);
}
