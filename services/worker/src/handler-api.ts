// What any handler (tool, resource, prompt) may do while it runs: the `ctx` it receives. Requests to the client and
// their answers use the official SDK's types.
import type {
  ClientCapabilities,
  ContentBlock,
  CreateMessageRequestParams,
  CreateMessageResult,
  ElicitRequestParams,
  ElicitResult,
  ListRootsResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { Caller, LogLevel } from '@mcp-fleet/shared';

/** One question for the client: elicitation, sampling or roots. */
export type InputRequest =
  | { method: 'elicitation/create'; params: ElicitRequestParams }
  | { method: 'sampling/createMessage'; params: CreateMessageRequestParams }
  | { method: 'roots/list'; params?: Record<string, never> };

/** The answer type of each kind of question. */
export type InputResult<R extends InputRequest> = R extends { method: 'elicitation/create' }
  ? ElicitResult
  : R extends { method: 'sampling/createMessage' }
    ? CreateMessageResult
    : ListRootsResult;

export interface InputOptions {
  /**
   * The name of the question. A 2026-07-28 client sees it as the key of `inputRequests` (and answers under it);
   * 2025-era clients get a server→client request with an id of the server's choosing. Default: a generated name.
   */
  key?: string;
}

export interface HandlerContext {
  /** Aborted when the client cancels (notifications/cancelled on any node) or the session is deleted. */
  signal: AbortSignal;
  /**
   * Reports progress; sent only when the call carried a progressToken, and only when it increases. Resolves once
   * queued (in order, written behind the tool; it waits when 64 are queued); a failed write throws on the next one.
   */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /** Logs to the client (notifications/message) when `level` passes the session's (or the request's) level. */
  log(level: LogLevel, data: unknown, logger?: string): Promise<void>;
  /** Sends a custom notification on the call's stream. */
  notify(method: string, params?: Record<string, unknown>): Promise<void>;
  /**
   * Sends a notification to a session's standalone (GET) stream: this session's by default, or another session of
   * the same caller by id. Resolves false when that session does not exist.
   */
  notifySession(method: string, params?: Record<string, unknown>, sessionId?: string): Promise<boolean>;
  /**
   * Sends a notification to every live session of the caller's tenant (each gets it once, on its standalone stream);
   * resolves the count. A tool defined with `broadcast: 'fleet'` reaches every session of every tenant instead.
   */
  broadcast(method: string, params?: Record<string, unknown>): Promise<number>;
  /** Tells every session subscribed to `uri` (resources/subscribe, subscriptions/listen) that it changed. */
  resourceUpdated(uri: string): Promise<number>;
  /**
   * Asks the user for input (elicitation/create). Form mode by default; `{ mode: 'url', url, elicitationId }` needs a
   * 2025-11-25 client that declared `elicitation.url`. Throws when the client lacks the capability or does not answer
   * within SERVER_REQUEST_TIMEOUT_MS.
   */
  elicit(params: ElicitRequestParams, options?: InputOptions): Promise<ElicitResult>;
  /** Asks the client's model for a completion (sampling/createMessage); needs the `sampling` capability. */
  sample(params: CreateMessageRequestParams, options?: InputOptions): Promise<CreateMessageResult>;
  /** Asks the client for its roots (roots/list); needs the `roots` capability. */
  listRoots(options?: InputOptions): Promise<ListRootsResult>;
  /**
   * Asks several questions at once and waits for every answer. A 2026-07-28 client gets them in one
   * `input_required` result, keyed by the names given here; 2025-era clients get one server→client request each.
   */
  inputs<T extends Record<string, InputRequest>>(requests: T): Promise<{ [K in keyof T]: InputResult<T[K]> }>;
  /**
   * Sends part of the result as soon as it exists (a chunk of text, a row of a report), to a client that opted in
   * for this call (README, "Partial results"); a no-op for the others. The final result must still be complete:
   * it is the authoritative answer, and the only one a client that did not opt in sees.
   */
  partial(content: ContentBlock[] | string, structuredContent?: Record<string, unknown>): Promise<void>;
  /**
   * 2026-07-28, a tool with task support, a client that declared the tasks extension: makes the call a task now —
   * the client gets CreateTaskResult and collects the outcome with tasks/get (on any node); questions asked from
   * here on reach it through tasks/get and are answered by tasks/update. Without this, a call becomes a task when
   * its tool requires one and it first says anything but a question, or when it outlasts TASK_SYNC_WINDOW_MS. A
   * no-op for 2025-era calls (their client decides) and for calls that cannot be tasks.
   */
  runAsTask(): Promise<void>;
  /**
   * Runs `fn` once per call, however often the handler runs: its result is recorded (JSON) and returned to every
   * later run. A handler that asks the client something runs again from the start once the answer arrives (the job
   * holds no worker while it waits), and after a worker failure an idempotent tool runs again too: put side effects
   * that come before a question, and expensive work, in steps. `key` must name the step the same way in every run.
   */
  step<T>(key: string, fn: () => Promise<T> | T): Promise<T>;
  /**
   * Closes the client's SSE connection without ending the call (SEP-1699 polling): the client reconnects after the
   * `retry` delay and receives the rest. Only for 2025-11-25 sessions; a no-op otherwise.
   */
  closeConnection(): Promise<void>;
  /**
   * Publishes this worker's catalog again, after the pack changed its exported `tools`, `resources`,
   * `resourceTemplates` or `prompts` arrays at run time; every session and listen stream hears `list_changed`.
   */
  catalogChanged(): Promise<void>;
  /** Request headers on the HEADERS_TO_TOOLS allow-list (lower-case names). */
  headers: Record<string, string>;
  session: { id: string; principal: string; protocolVersion: string; clientCapabilities: ClientCapabilities };
  /**
   * Who called, as the front node verified it: subject, tenant, granted scopes and the claims AUTH_CLAIMS_TO_TOOLS
   * lists (`via: 'anonymous'` without authentication). Never the caller's token: a tool that calls another API
   * uses credentials of its own (no token passthrough).
   */
  principal: Caller;
  requestId: string | number;
}
