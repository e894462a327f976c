// Streamable HTTP's way back for one POSTed request: front answers as one JSON object; worker jobs on the
// request's own stream, as SSE (resumable) or, for clients that do not accept SSE, as one JSON object.
import type { FastifyReply } from 'fastify';
import { supportsPriming } from '@mcp-fleet/shared';
import { startCall } from '../dispatch/start-call.ts';
import type { FrontDeps } from '../deps.ts';
import type { Exchange, JsonRpcResponse } from '../protocol/exchange.ts';
import type { JobRequest } from '../protocol/planner.ts';
import { JsonSink, SseSink, type EventSink } from '../streams/sinks.ts';

export class StreamableExchange implements Exchange {
  constructor(
    private readonly deps: FrontDeps,
    private readonly reply_: FastifyReply,
    private readonly wantsSse: boolean,
  ) {}

  async reply(response: JsonRpcResponse): Promise<void> {
    await this.reply_.type('application/json').send(response);
  }

  async run(request: JobRequest, queue: string): Promise<void> {
    const { view } = await startCall(this.deps, request, queue);
    this.reply_.hijack();
    const raw = this.reply_.raw;
    const sink: EventSink = this.wantsSse ? new SseSink(raw, this.deps.config.SSE_RETRY_MS) : new JsonSink(raw);
    view.start(sink, { prime: this.wantsSse && supportsPriming(request.protocolVersion) });
  }
}
