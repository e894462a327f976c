// GET on the MCP endpoint: the session's standalone stream, or a resume of any of its streams (Last-Event-ID).
import type { FastifyReply } from 'fastify';
import {
  FleetError,
  entryId,
  parseEventId,
  standaloneStreamId,
  streamBelongsTo,
  type JsonRpcId,
} from '@mcp-fleet/shared';
import type { FrontDeps } from '../deps.ts';
import { sessionOrigin } from '../protocol/origin.ts';
import { resumeTaskResult } from '../tasks/task-result.ts';
import type { Session } from '../sessions/session-store.ts';
import { SseSink, primingStyle } from '../streams/sinks.ts';

export async function openGetStream(
  deps: FrontDeps,
  session: Session,
  lastEventId: string | undefined,
  reply: FastifyReply,
) {
  let streamId = standaloneStreamId(session.sessionId);
  let afterSeq: number | undefined;
  // A tasks/result stream (2025-11-25) is the task's: resumed by its own rules.
  if (lastEventId !== undefined) {
    const origin = sessionOrigin(deps, session, {});
    const takeOver = () => {
      reply.hijack();
      return reply.raw;
    };
    if (await resumeTaskResult(deps, origin, lastEventId, takeOver)) return;
  }
  if (lastEventId !== undefined) {
    const parsed = parseEventId(lastEventId);
    if (!parsed || !streamBelongsTo(parsed.streamId, session.sessionId)) {
      throw new FleetError('LAST_EVENT_ID_INVALID', { args: [JSON.stringify(lastEventId)] });
    }
    streamId = parsed.streamId;
    afterSeq = parsed.seq;
  }
  const key = deps.keys.stream(session, streamId);
  const replies = ((await deps.redis
    .multi()
    .hget(deps.keys.streamMeta(session, streamId), 'seq')
    .hget(deps.keys.streamMeta(session, streamId), 'done')
    .hget(deps.keys.streamMeta(session, streamId), 'rid')
    .xrange(key, entryId((afterSeq ?? 0) + 1), '+', 'COUNT', 1)
    .exec()) ?? []) as [Error | null, unknown][];
  for (const [err] of replies) if (err) throw err;
  const seqNow = replies[0]?.[1];
  const done = replies[1]?.[1];
  const rid = replies[2]?.[1];
  const next = (replies[3]?.[1] ?? []) as [string, string[]][];
  if (seqNow === null || seqNow === undefined) {
    throw new FleetError('STREAM_GONE', { args: [JSON.stringify(lastEventId ?? streamId)] });
  }
  const current = Number(seqNow);
  if (afterSeq !== undefined) {
    // Contiguous seqs make loss visible: the next retained event must be exactly afterSeq + 1.
    const first = next[0];
    const firstSeq = first ? Number.parseInt(first[0], 10) : undefined;
    if (
      afterSeq > current ||
      (firstSeq !== undefined && firstSeq > afterSeq + 1) ||
      (firstSeq === undefined && current > afterSeq)
    ) {
      throw new FleetError('STREAM_GONE', { args: [JSON.stringify(lastEventId)] });
    }
  }

  reply.hijack();
  const sink = new SseSink(reply.raw, deps.config.SSE_RETRY_MS, primingStyle(session.version));
  if (done && afterSeq !== undefined && afterSeq >= current) {
    // Everything, including the end, was delivered before: nothing left to send.
    sink.end();
    return;
  }
  const view = await deps.hub.attach(
    {
      streamKey: key,
      metaKey: deps.keys.streamMeta(session, streamId),
      streamId,
      afterSeq: afterSeq ?? current,
      requestId: typeof rid === 'string' ? (JSON.parse(rid) as JsonRpcId) : undefined,
    },
    sink,
    // A fresh GET stream starts with an id to resume from, like a POST's (see primingStyle).
    { prime: afterSeq === undefined },
  );
  if (!view) sink.end(true);
}
