// The event codec: how one server→client message is stored in a session stream, announced on pub/sub,
// and named in an SSE event id.
//
// SSE event id = `<streamId>:<seq>`. The stream id says which MCP SSE stream the event belongs to (so a
// Last-Event-ID names exactly one Redis stream) and seq is that stream's contiguous sequence number
// (1, 2, 3…; 0 names "before the first event" and is used by the priming event). Contiguous numbers make a
// trimmed gap detectable: if the first retained entry is past lastSeq + 1, events were lost.

/**
 * What one stream event means. Redis holds each kind as one letter (`KIND_LETTERS`; the Lua scripts in ./scripts
 * compare those letters), so these names exist only in TypeScript.
 */
export type EventKind =
  /** a JSON-RPC message (notification or server→client request) that does not end the stream */
  | 'message'
  /** the JSON-RPC response that answers the stream's request: delivered, then the stream ends */
  | 'response'
  /** the stream ends with no message (the request was cancelled, or the session was deleted) */
  | 'end'
  /** a response on a stream shared by the session (legacy HTTP+SSE): delivered, and the stream goes on */
  | 'sharedResponse'
  /**
   * close the client's connection but not the stream (SEP-1699 polling, 2025-11-25 only): the client reconnects
   * with Last-Event-ID after the `retry` delay and the stream continues
   */
  | 'closeConnection'
  /**
   * a 2026-07-28 call needs answers from the client (MRTR): `{"inputRequests":{key:{method,params}}}`; the front
   * answers the call with `input_required` and the retry resumes the job
   */
  | 'inputRequests'
  /**
   * a 2026-07-28 call became a task (io.modelcontextprotocol/tasks): the front following the call answers it with
   * `CreateTaskResult`; the job goes on, and its outcome is read with tasks/get
   */
  | 'task';

export const KIND_LETTERS = {
  message: 'm',
  response: 'f',
  end: 'e',
  sharedResponse: 'r',
  closeConnection: 'c',
  inputRequests: 'i',
  task: 't',
} as const satisfies Record<EventKind, string>;

const KIND_OF_LETTER: Record<string, EventKind> = Object.fromEntries(
  Object.entries(KIND_LETTERS).map(([kind, letter]) => [letter, kind as EventKind]),
);

export function kindOfLetter(letter: string): EventKind | undefined {
  return KIND_OF_LETTER[letter];
}

export interface StreamEvent {
  seq: number;
  kind: EventKind;
  /** the message as JSON text; empty for `end` and `closeConnection` */
  data: string;
}

/** A wake-up: the event itself when it is small, or only its seq and kind (then read it from the stream). */
export type Wake = Omit<StreamEvent, 'data'> & { data?: string };

/** The stream ends after this event. */
export function isTerminal(kind: EventKind): boolean {
  return kind === 'response' || kind === 'end';
}

const STREAM_ID = /^[A-Za-z0-9_-]{1,64}$/;
const EVENT_ID = /^([A-Za-z0-9_-]{1,64}):(\d{1,15})$/;

export function isStreamId(s: string): boolean {
  return STREAM_ID.test(s);
}

export function formatEventId(streamId: string, seq: number): string {
  return `${streamId}:${seq}`;
}

/** Parses a Last-Event-ID; undefined when it is not one of ours. */
export function parseEventId(id: string): { streamId: string; seq: number } | undefined {
  const m = EVENT_ID.exec(id.trim());
  if (!m) return undefined;
  return { streamId: m[1]!, seq: Number(m[2]) };
}

/** Redis stream entry id for a sequence number. */
export function entryId(seq: number): string {
  return `${seq}-0`;
}

/** Turns an XRANGE reply ([id, [field, value, …]][]) into events. */
export function decodeEntries(entries: [string, string[]][]): StreamEvent[] {
  const out: StreamEvent[] = [];
  for (const [id, fields] of entries) {
    let kind: EventKind = 'message';
    let data = '';
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === 'k') kind = kindOfLetter(fields[i + 1]!) ?? 'message';
      else if (fields[i] === 'm') data = fields[i + 1]!;
    }
    out.push({ seq: Number.parseInt(id, 10), kind, data });
  }
  return out;
}

/** What a node hears about one stream on its channel: a wake-up (an event appended) or a takeover. */
export type NodeWake = { streamKey: string; takeover?: number; event?: Wake };

/**
 * A message on a node's channel: pairs of lines, a stream key then a wake-up or takeover for it — one pair, or
 * the wake-ups of a batch of appends in order (append-events-n.lua). A malformed pair is skipped.
 */
export function decodeNodeWakes(payload: string): NodeWake[] {
  const out: NodeWake[] = [];
  let at = 0;
  while (at < payload.length) {
    const nl = payload.indexOf('\n', at);
    if (nl < 0) break;
    const end = payload.indexOf('\n', nl + 1);
    const w = decodeNodeWake(payload.slice(at, nl), payload.slice(nl + 1, end < 0 ? undefined : end));
    if (w) out.push(w);
    if (end < 0) break;
    at = end + 1;
  }
  return out;
}

function decodeNodeWake(streamKey: string, rest: string): NodeWake | undefined {
  if (!streamKey) return undefined;
  if (rest.startsWith('takeover ')) {
    const claim = Number(rest.slice(9));
    return Number.isSafeInteger(claim) ? { streamKey, takeover: claim } : undefined;
  }
  const event = decodeWake(rest);
  return event ? { streamKey, event } : undefined;
}

/**
 * Wake-up payload published with each append: `<seq> <kind> <json>`, which the node may deliver without a read, or
 * `<seq> <kind>` for a large event (no data: the node reads it from the stream).
 */
export function decodeWake(payload: string): Wake | undefined {
  const a = payload.indexOf(' ');
  if (a < 1 || payload.length < a + 2) return undefined;
  const seq = Number(payload.slice(0, a));
  if (!Number.isSafeInteger(seq)) return undefined;
  const kind = kindOfLetter(payload[a + 1]!);
  if (!kind) return undefined;
  if (payload.length === a + 2) return { seq, kind };
  if (payload[a + 2] !== ' ') return undefined;
  return { seq, kind, data: payload.slice(a + 3) };
}

/** One SSE frame for a message; `data` holds no newline because JSON.stringify escapes them. */
export function sseFrame(streamId: string, seq: number, data: string): string {
  return `id: ${formatEventId(streamId, seq)}\nevent: message\ndata: ${data}\n\n`;
}
