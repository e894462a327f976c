// The tool-author API: what a tool is, and what it may do while it runs.
import type { LogLevel } from '@mcp-fleet/shared';

export interface ToolContext {
  /** Aborted when the client cancels (notifications/cancelled on any node) or the session is deleted. */
  signal: AbortSignal;
  /** Reports progress; sent only when the call carried a progressToken, and only when it increases. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /** Logs to the client (notifications/message) when `level` passes the session's level. */
  log(level: LogLevel, data: unknown, logger?: string): Promise<void>;
  /** Sends a custom notification on the call's stream. */
  notify(method: string, params?: Record<string, unknown>): Promise<void>;
  session: { id: string; principal: string; protocolVersion: string };
  requestId: string | number;
}

export type ContentBlock = { type: string; [k: string]: unknown };
export interface ToolResult {
  content: ContentBlock[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  [k: string]: unknown;
}

export interface ToolDefinition<A = Record<string, unknown>> {
  name: string;
  title?: string;
  description: string;
  /** JSON Schema (2020-12) for the arguments; the front node validates calls against it before enqueueing. */
  inputSchema: Record<string, unknown> & { type: 'object' };
  outputSchema?: Record<string, unknown>;
  annotations?: {
    title?: string;
    readOnlyHint?: boolean;
    destructiveHint?: boolean;
    idempotentHint?: boolean;
    openWorldHint?: boolean;
  };
  /** Returns a result, or a string (sent as one text content block). Throwing gives an `isError` result. */
  run(args: A, ctx: ToolContext): Promise<ToolResult | string> | ToolResult | string;
}

/** Identity function that gives tool authors type checking and a place for future defaults. */
export function defineTool<A = Record<string, unknown>>(def: ToolDefinition<A>): ToolDefinition<A> {
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(def.name)) {
    throw new Error(`tool name ${JSON.stringify(def.name)} must be 1–128 letters, digits, _ - or .`);
  }
  return def;
}

// Tools of different argument types live in one pack; the front validated the arguments already.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTool = ToolDefinition<any>;
