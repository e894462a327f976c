// JSON-RPC batches, for sessions that negotiated 2025-03-26 (the only version that has them). Every request of
// the batch is answered in one JSON array; notifications and responses are handled as single messages are.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { startCall } from '../dispatch/start-call.ts';
import type { FrontDeps } from '../deps.ts';
import { FleetError } from '@mcp-fleet/shared';
import { serveRequest, type Exchange, type JsonRpcResponse } from '../protocol/exchange.ts';
import { classify, type RpcMessage } from '../protocol/jsonrpc.ts';
import { sessionOrigin } from '../protocol/origin.ts';
import type { JobRequest } from '../protocol/planner.ts';
import { onClientResponse, onNotification } from '../protocol/session-methods.ts';
import type { Session } from '../sessions/session-store.ts';
import { CollectSink } from '../streams/collect.ts';

export const BATCH_VERSION = '2025-03-26';

class CollectExchange implements Exchange {
  readonly answers: Promise<JsonRpcResponse | undefined>[] = [];
  constructor(private readonly deps: FrontDeps) {}

  async reply(response: JsonRpcResponse): Promise<void> {
    this.answers.push(Promise.resolve(response));
  }

  async run(request: JobRequest, queue: string): Promise<void> {
    const started = await startCall(this.deps, request, queue);
    if (started.kind === 'duplicate') {
      const id = JSON.stringify(request.requestId);
      return this.reply(new FleetError('DUPLICATE_REQUEST_ID', { args: [id] }).toJsonRpc(request.requestId));
    }
    const sink = new CollectSink();
    started.view.start(sink);
    // A cancelled request has no answer: it is left out of the array.
    this.answers.push(
      sink.outcome.then((data) => (data === undefined ? undefined : (JSON.parse(data) as JsonRpcResponse))),
    );
  }
}

export async function handleBatch(
  deps: FrontDeps,
  session: Session,
  items: unknown[],
  request: FastifyRequest,
  reply: FastifyReply,
) {
  if (session.version !== BATCH_VERSION) throw new FleetError('BATCH_NOT_SUPPORTED');
  if (items.length === 0) throw new FleetError('INVALID_REQUEST', { args: ['an empty batch'] });
  const ex = new CollectExchange(deps);
  const origin = sessionOrigin(deps, session, request.headers);
  for (const item of items) {
    let msg: RpcMessage;
    try {
      msg = classify(item);
    } catch (err) {
      if (!(err instanceof FleetError)) throw err;
      await ex.reply(err.toJsonRpc());
      continue;
    }
    if (msg.kind === 'notification') await onNotification(deps, session, msg);
    else if (msg.kind === 'response') await onClientResponse(deps, session, msg);
    else if (msg.method === 'initialize') await ex.reply(new FleetError('INITIALIZE_IN_BATCH').toJsonRpc(msg.id));
    else await serveRequest(deps, origin, msg, ex);
  }
  const answers = (await Promise.all(ex.answers)).filter((a): a is JsonRpcResponse => a !== undefined);
  if (answers.length === 0) return reply.code(202).send();
  return reply.type('application/json').send(answers);
}
