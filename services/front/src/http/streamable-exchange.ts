// Streamable HTTP's way back for one POSTed request: front answers as one JSON object; worker jobs on the
// request's own stream, as SSE (resumable) or, for clients that do not accept SSE, as one JSON object.
import type { FastifyReply } from 'fastify';
import { FleetError, type JsonRpcId, type SessionRef, type TaskRecord } from '@mcp-fleet/shared';
import type { RequestOrigin } from '../protocol/origin.ts';
import { serveTaskResult } from '../tasks/task-result.ts';
import { wireTask } from '@mcp-fleet/shared';
import { resultResponse } from '../protocol/messages.ts';
import { startCall } from '../dispatch/start-call.ts';
import type { FrontDeps } from '../deps.ts';
import { confirmSession } from '../sessions/session-ops.ts';
import type { Session } from '../sessions/session-store.ts';
import type { Exchange, JsonRpcResponse } from '../protocol/exchange.ts';
import type { JobRequest } from '../protocol/planner.ts';
import { JsonSink, SseSink, primingStyle, type EventSink } from '../streams/sinks.ts';

export class StreamableExchange implements Exchange {
  constructor(
    private readonly deps: FrontDeps,
    private readonly reply_: FastifyReply,
    private readonly wantsSse: boolean,
    /**
     * The request's session, when it was recalled rather than read (session-store.ts, "Recalled sessions"): checked
     * by the opening of the call's stream — or read before any other answer, so a gone session is a 404 still.
     */
    private recalled?: Session,
  ) {}

  async reply(response: JsonRpcResponse): Promise<void> {
    await this.confirmed(typeof response.id === 'object' ? null : response.id);
    await this.reply_.type('application/json').send(response);
  }

  /** A recalled session is read before an answer that no stream opening checked. */
  private async confirmed(id: JsonRpcId | null): Promise<void> {
    const session = this.recalled;
    this.recalled = undefined;
    if (session) await confirmSession(this.deps, session, id);
  }

  async run(request: JobRequest, queue: string): Promise<void> {
    // Counted as the call's stream opens, before the job exists: a call refused for the session's stream limit
    // never runs. The answer gives the lease back in Redis; the connection closing gives back any other.
    const caps = this.deps.streamCaps;
    const lease = this.wantsSse ? caps.lease(request.session) : undefined;
    let started: Awaited<ReturnType<typeof startCall>>;
    // A task's record is written before its stream opens: a recalled session is read first.
    if (request.task) await this.confirmed(request.requestId);
    const check = this.recalled;
    this.recalled = undefined;
    try {
      started = await startCall(this.deps, request, queue, lease, check !== undefined);
    } catch (err) {
      if (lease) caps.giveBack(lease);
      throw err;
    }
    if (lease) {
      const view = started.kind === 'started' ? started.view : undefined;
      caps.adopt(lease, this.reply_.raw, () => view?.answered === true);
    }
    if (started.kind === 'duplicate' && !started.sameRequest) {
      return this.reply(
        new FleetError('DUPLICATE_REQUEST_ID', { args: [JSON.stringify(request.requestId)] }).toJsonRpc(
          request.requestId,
        ),
      );
    }
    if (started.kind === 'started' && started.task?.announced) {
      // 2025-11-25 task-augmented call: the task, at once; its outcome is collected with tasks/get and tasks/result.
      started.view.close();
      return this.reply(resultResponse(request.requestId, { task: wireTask(started.task, 'session') }));
    }
    this.reply_.hijack();
    const raw = this.reply_.raw;
    const sink: EventSink = this.wantsSse
      ? new SseSink(raw, this.deps.config.SSE_RETRY_MS, primingStyle(request.protocolVersion))
      : new JsonSink(raw);
    const prime = this.wantsSse;
    if (started.kind === 'started') {
      started.view.start(sink, { prime });
      // A JSON answer cannot be resumed: a client gone before it is there will never read it, so the call stops.
      if (!this.wantsSse)
        raw.once('close', () => void this.cancelIfUnanswered(raw, request.session, started.job.jobId));
      return;
    }
    // The same request again while it runs (a client that lost the answer retries): it is served the call's own
    // stream from its first event, on this connection; the job runs once.
    const { session } = request;
    const view = await this.deps.hub.attach(
      {
        streamKey: this.deps.keys.stream(session, started.jobId),
        metaKey: this.deps.keys.streamMeta(session, started.jobId),
        streamId: started.jobId,
        afterSeq: 0,
        requestId: request.requestId,
      },
      sink,
      { prime },
    );
    if (!view) sink.end();
  }

  async taskResult(task: TaskRecord, origin: RequestOrigin, requestId: JsonRpcId): Promise<void> {
    await this.confirmed(requestId);
    if (this.wantsSse) await this.deps.streamCaps.hold(origin.session, this.reply_.raw, requestId);
    await serveTaskResult(this.deps, origin, task, requestId, {
      respond: (r) => this.reply(r),
      takeOver: () => {
        this.reply_.hijack();
        return this.reply_.raw;
      },
      wantsSse: this.wantsSse,
    });
  }

  private async cancelIfUnanswered(raw: FastifyReply['raw'], session: SessionRef, jobId: string): Promise<void> {
    if (raw.writableFinished) return;
    await this.deps.dispatcher.cancelJob(session, jobId).catch(() => {});
  }
}
