// The tool-author API. A tool's `inputSchema` (and `outputSchema`) is a zod object, from which the arguments of `run`
// (and the structured result) are typed, or plain JSON Schema. Either way the worker publishes JSON Schema 2020-12,
// so front nodes validate arguments without loading tool code.
import type { CallToolResult, Icon, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { TaskSupport } from '@mcp-fleet/shared';
import { z } from 'zod';
import type { HandlerContext } from './handler-api.ts';

/** A JSON Schema for an object (the wire form of `inputSchema` and `outputSchema`). */
export type JsonObjectSchema = Record<string, unknown> & { type: 'object' };
export type ObjectSchema = z.ZodObject | JsonObjectSchema;

/** What `run` receives: the zod schema's output (defaults applied), or the plain arguments. */
export type ArgsOf<S extends ObjectSchema> = S extends z.ZodObject ? z.output<S> : Record<string, unknown>;

/** A tools/call result (the SDK's type) whose `structuredContent` has the outputSchema's type. */
export type ToolResult<S = Record<string, unknown>> = CallToolResult & { structuredContent?: S };

export interface ToolDefinition<I extends ObjectSchema = ObjectSchema, O extends ObjectSchema = JsonObjectSchema> {
  name: string;
  title?: string;
  description: string;
  /** The arguments; the front node validates calls against its JSON Schema before enqueueing them. */
  inputSchema: I;
  /** The shape of `structuredContent`; a result that returns only structuredContent gets a text fallback. */
  outputSchema?: O;
  /** `idempotentHint: true` makes a call re-run when its worker dies mid-call; any other gets an error result. */
  annotations?: ToolAnnotations;
  icons?: Icon[];
  /**
   * Whether calls may run as tasks (the client collects the outcome later, from any node): `optional`, `required`,
   * or `forbidden` (the default). 2025-11-25 clients ask for a task with `params.task`; a 2026-07-28 client that
   * declares the tasks extension gets one when the tool requires it, or when an optional-task call runs longer
   * than TASK_SYNC_WINDOW_MS. Published in tools/list as MCP's `execution.taskSupport`.
   */
  execution?: { taskSupport?: TaskSupport };
  /**
   * Recovery of an idempotent tool whose worker stopped mid-call (killed, or paused past its lock): at most
   * `attempts` runs in all (default and cap: JOB_MAX_STALLS + 1), waiting `backoffMs` before the second, twice that
   * before the third, and so on (default 0). A tool that is not idempotent is never run again.
   */
  retry?: { attempts?: number; backoffMs?: number };
  /**
   * Fleet-wide limits of this tool. `concurrency`: calls running at once across every worker (the others wait in
   * the queue, holding no worker). `maxQueued`: calls waiting to start beyond which a new call is refused with
   * 503 QUEUE_FULL. `priority`: 1 (first) … 2097152 — a tool with a priority waits behind tools without one
   * (BullMQ's order), so give background tools a priority to keep interactive ones ahead.
   */
  limits?: { concurrency?: number; maxQueued?: number; priority?: number };
  /**
   * Whom `ctx.broadcast` reaches: the caller's own tenant (`'tenant'`, the default), or every session of the fleet
   * (`'fleet'`: an operator's announcement tool; never give it to tenants' tools).
   */
  broadcast?: 'tenant' | 'fleet';
  /**
   * How the run waits for the client's answer to `ctx.elicit`, `ctx.sample`, `ctx.listRoots` or `ctx.inputs`:
   * `'park'` (the default) gives the worker slot back and runs the handler again from the start once the answer
   * arrives; `'wait'` keeps this run going and waits for the answer in-process (up to SERVER_REQUEST_TIMEOUT_MS),
   * holding its worker slot all along and lost if the worker dies meanwhile. Only for handlers that cannot run
   * again, such as a bridged stdio server whose call is still open (README, "Host an existing stdio server").
   */
  questions?: 'park' | 'wait';
  /** Returns a result, or a string (sent as one text content block). Throwing gives an `isError` result. */
  run(args: ArgsOf<I>, ctx: HandlerContext): Promise<ToolResult<ArgsOf<O>> | string> | ToolResult<ArgsOf<O>> | string;
}

/** Any tool of a pack, whatever its argument types (methods are bivariant, so every ToolDefinition fits). */
export type AnyTool = ToolDefinition<ObjectSchema, ObjectSchema>;

/** Checks the name and gives tool authors type checking. */
export function defineTool<I extends ObjectSchema, O extends ObjectSchema = JsonObjectSchema>(
  def: ToolDefinition<I, O>,
): ToolDefinition<I, O> {
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(def.name)) {
    throw new Error(`tool name ${JSON.stringify(def.name)} must be 1–128 letters, digits, _ - or .`);
  }
  return def;
}

/** A zod schema, recognised by shape so that a pack bundling its own copy of zod works too. */
export function isZodSchema(s: unknown): s is z.ZodType {
  return typeof s === 'object' && s !== null && '_zod' in s && typeof (s as z.ZodType).safeParse === 'function';
}

/** The JSON Schema 2020-12 a schema is published as: the arguments a client may send, the output a tool returns. */
export function publishedSchema(schema: ObjectSchema, io: 'input' | 'output'): Record<string, unknown> {
  return isZodSchema(schema) ? z.toJSONSchema(schema, { target: 'draft-2020-12', io }) : schema;
}
