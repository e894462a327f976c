// The tool-author API: what a tool is, and what any handler (tool, resource, prompt) may do while it runs.
import type { LogLevel } from '@mcp-fleet/shared';

export interface HandlerContext {
  /** Aborted when the client cancels (notifications/cancelled on any node) or the session is deleted. */
  signal: AbortSignal;
  /** Reports progress; sent only when the call carried a progressToken, and only when it increases. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /** Logs to the client (notifications/message) when `level` passes the session's level. */
  log(level: LogLevel, data: unknown, logger?: string): Promise<void>;
  /** Sends a custom notification on the call's stream. */
  notify(method: string, params?: Record<string, unknown>): Promise<void>;
  /**
   * Sends a notification to a session's standalone (GET) stream: this session's by default, or another session of
   * the same caller by id. Resolves false when that session does not exist.
   */
  notifySession(method: string, params?: Record<string, unknown>, sessionId?: string): Promise<boolean>;
  /** Sends a notification to every live session (each gets it once, on its standalone stream); resolves the count. */
  broadcast(method: string, params?: Record<string, unknown>): Promise<number>;
  /** Tells every session subscribed to `uri` (resources/subscribe) that it changed. */
  resourceUpdated(uri: string): Promise<number>;
  /**
   * Asks the user for input (elicitation/create). Form mode by default; `{ mode: 'url', url, elicitationId }` needs a
   * 2025-11-25 client that declared `elicitation.url`. Throws when the client lacks the capability or does not answer
   * within SERVER_REQUEST_TIMEOUT_MS.
   */
  elicit(
    params: Record<string, unknown>,
  ): Promise<{ action: 'accept' | 'decline' | 'cancel'; content?: Record<string, unknown> }>;
  /** Asks the client's model for a completion (sampling/createMessage); needs the `sampling` capability. */
  sample(params: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Asks the client for its roots (roots/list); needs the `roots` capability. */
  listRoots(): Promise<{ roots: { uri: string; name?: string }[] }>;
  /**
   * Closes the client's SSE connection without ending the call (SEP-1699 polling): the client reconnects after the
   * `retry` delay and receives the rest. Only for 2025-11-25 sessions; a no-op otherwise.
   */
  closeConnection(): Promise<void>;
  /** Request headers on the HEADERS_TO_TOOLS allow-list (lower-case names). */
  headers: Record<string, string>;
  session: { id: string; principal: string; protocolVersion: string; clientCapabilities: Record<string, unknown> };
  requestId: string | number;
}
/** @deprecated name kept for tool packs written before resources and prompts existed */
export type ToolContext = HandlerContext;

export type ContentBlock = { type: string; [k: string]: unknown };
export interface ToolResult {
  content: ContentBlock[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  [k: string]: unknown;
}

export interface Icon {
  src: string;
  mimeType?: string;
  sizes?: string[];
  theme?: 'light' | 'dark';
}

export interface ToolDefinition<A = Record<string, unknown>> {
  name: string;
  title?: string;
  description: string;
  /** JSON Schema (2020-12) for the arguments; the front node validates calls against it before enqueueing. */
  inputSchema: Record<string, unknown> & { type: 'object' };
  /** JSON Schema of `structuredContent`; a result that returns only structuredContent gets a text fallback. */
  outputSchema?: Record<string, unknown> & { type: 'object' };
  annotations?: {
    title?: string;
    readOnlyHint?: boolean;
    destructiveHint?: boolean;
    /** an idempotent tool is re-run when its worker dies mid-call; any other gets an error result instead */
    idempotentHint?: boolean;
    openWorldHint?: boolean;
  };
  icons?: Icon[];
  /** Returns a result, or a string (sent as one text content block). Throwing gives an `isError` result. */
  run(args: A, ctx: HandlerContext): Promise<ToolResult | string> | ToolResult | string;
}

/** Checks the name and gives tool authors type checking. */
export function defineTool<A = Record<string, unknown>>(def: ToolDefinition<A>): ToolDefinition<A> {
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(def.name)) {
    throw new Error(`tool name ${JSON.stringify(def.name)} must be 1–128 letters, digits, _ - or .`);
  }
  return def;
}

// Tools of different argument types live in one pack; the front validated the arguments already.
// biome-ignore lint/suspicious/noExplicitAny: a pack holds tools of different argument types
export type AnyTool = ToolDefinition<any>;
