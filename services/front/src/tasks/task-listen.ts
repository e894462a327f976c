// 2026-07-28 `notifications/tasks` on `subscriptions/listen` streams (tasks extension). The SDK serves listen streams
// (ack first, filtering, subscription ids) but knows nothing of tasks, so this taps the stream it writes: the ack
// names the task ids this server agreed to (the caller's own, existing tasks), and each status change of those tasks
// — heard from any process on the task-events channel — is added as a notification with the stream's subscription
// id. The SDK writes whole SSE events per chunk; the tap still buffers to event boundaries before it adds its own.
import type { ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { FleetKeys, TaskEvent } from '@mcp-fleet/shared';
import { SSE_HEADERS } from '../streams/sinks.ts';

type Listener = (event: TaskEvent) => void;

/** Task status changes as this node hears them, by task id. */
export class TaskEventsBus {
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(
    private readonly subscriber: Redis,
    private readonly keys: FleetKeys,
    private readonly log: Logger,
  ) {
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== keys.taskEventsChannel()) return;
      let event: TaskEvent;
      try {
        event = JSON.parse(message) as TaskEvent;
      } catch {
        return;
      }
      for (const l of [...(this.listeners.get(event.taskId) ?? [])]) {
        try {
          l(event);
        } catch (err) {
          this.log.warn({ err: (err as Error).message }, 'task listener failed');
        }
      }
    });
  }

  async start(): Promise<void> {
    await this.subscriber.subscribe(this.keys.taskEventsChannel());
  }

  subscribe(taskIds: string[], listener: Listener): () => void {
    for (const id of taskIds) {
      const set = this.listeners.get(id) ?? new Set<Listener>();
      this.listeners.set(id, set);
      set.add(listener);
    }
    return () => {
      for (const id of taskIds) {
        const set = this.listeners.get(id);
        set?.delete(listener);
        if (set?.size === 0) this.listeners.delete(id);
      }
    };
  }
}

const SUBSCRIPTION_ID = 'io.modelcontextprotocol/subscriptionId';

function taskNotification(e: TaskEvent, subscriptionId: unknown): string {
  const params = {
    ...e.params,
    _meta: { ...(e.params._meta as object | undefined), [SUBSCRIPTION_ID]: subscriptionId },
  };
  return `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/tasks', params })}\n\n`;
}

/**
 * A listen stream that asks for task notifications only (the SDK would answer it at once, having nothing of its
 * own to send): served here — the ack, then the tasks' status changes and keep-alives until the client leaves.
 */
export function serveTaskListen(
  raw: ServerResponse,
  bus: TaskEventsBus,
  o: { principal: string; taskIds: string[]; subscriptionId: unknown; keepAliveMs: number },
): void {
  raw.writeHead(200, SSE_HEADERS);
  const ack = {
    jsonrpc: '2.0',
    method: 'notifications/subscriptions/acknowledged',
    params: { notifications: { taskIds: o.taskIds }, _meta: { [SUBSCRIPTION_ID]: o.subscriptionId } },
  };
  raw.write(`event: message\ndata: ${JSON.stringify(ack)}\n\n`);
  const stop = bus.subscribe(o.taskIds, (e) => {
    if (e.principal === o.principal) raw.write(taskNotification(e, o.subscriptionId));
  });
  const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), o.keepAliveMs);
  raw.once('close', () => {
    stop();
    clearInterval(keepAlive);
  });
}

/** Rewrites one listen stream: the agreed task ids in its ack, and task notifications once it is acknowledged. */
export class ListenTap {
  private buffer = '';
  private subscriptionId: unknown;
  private stop?: () => void;

  constructor(
    private readonly bus: TaskEventsBus,
    private readonly principal: string,
    private readonly taskIds: string[],
    /** writes whole SSE events to the client */
    private readonly write: (text: string) => void,
  ) {}

  /** Takes a chunk of the SDK's stream; returns the whole events to write now. */
  take(chunk: string): string {
    this.buffer += chunk;
    const end = this.buffer.lastIndexOf('\n\n');
    if (end < 0) return '';
    const whole = this.buffer.slice(0, end + 2);
    this.buffer = this.buffer.slice(end + 2);
    return whole
      .split('\n\n')
      .filter((e) => e.length)
      .map((e) => `${this.rewrite(e)}\n\n`)
      .join('');
  }

  close(): void {
    this.stop?.();
  }

  private rewrite(event: string): string {
    if (this.subscriptionId !== undefined || !event.includes('notifications/subscriptions/acknowledged')) return event;
    const lines = event.split('\n');
    const i = lines.findIndex((l) => l.startsWith('data: '));
    if (i < 0) return event;
    const msg = JSON.parse(lines[i]!.slice(6)) as {
      method?: string;
      params?: { notifications?: Record<string, unknown>; _meta?: Record<string, unknown> };
    };
    if (msg.method !== 'notifications/subscriptions/acknowledged' || !msg.params) return event;
    this.subscriptionId = msg.params._meta?.[SUBSCRIPTION_ID];
    msg.params.notifications = { ...msg.params.notifications, taskIds: this.taskIds };
    lines[i] = `data: ${JSON.stringify(msg)}`;
    // From the ack on, the stream carries the agreed tasks' status changes.
    this.stop = this.bus.subscribe(this.taskIds, (e) => {
      if (e.principal !== this.principal) return;
      const params = {
        ...e.params,
        _meta: { ...(e.params._meta as object | undefined), [SUBSCRIPTION_ID]: this.subscriptionId },
      };
      this.write(
        `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/tasks', params })}\n\n`,
      );
    });
    return lines.join('\n');
  }
}
