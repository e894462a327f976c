// One child process of a bridge: an existing stdio MCP server, reached through the official v1 SDK's stdio client.
// What the child asks of its client (elicitation, sampling, roots) and the logs it sends are relayed to the fleet
// call it runs — stdio carries no request id on them, so they can be tied to a call only while the child runs
// exactly one; otherwise a request is refused and a log goes to the worker's own log.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { LogLevel } from '@mcp-fleet/shared';
import type { Logger } from 'pino';
import type { HandlerContext } from '../handler-api.ts';
import { ServerRequestError } from '../questions.ts';

export interface ChildSpec {
  command: string;
  args: string[];
  /** the whole environment of the child (the CLI builds it: the SDK's safe defaults and BRIDGE_ENV) */
  env: Record<string, string>;
}

export type ListKind = 'tools' | 'resources' | 'prompts';

/** The capabilities the bridge declares to its children: whatever a fleet client may answer, the bridge relays. */
const CLIENT_CAPABILITIES = { elicitation: { form: {}, url: {} }, sampling: {}, roots: {} };

/** A call a child runs: the fleet call's context, and the relays (progress, logs) still being written for it. */
export interface RunningCall {
  ctx: HandlerContext | undefined;
  pending: Set<Promise<unknown>>;
}

/** Remembers a relay write so the call's result waits for it (the result is the last event of the call's stream). */
export function track(call: RunningCall, write: Promise<unknown>): void {
  const p = write.catch(() => {});
  call.pending.add(p);
  void p.finally(() => call.pending.delete(p));
}

/** An error answer to the child's request: the SDK sends `code` and `message` as they are (McpError would prefix it). */
class RelayError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export class Child {
  client: Client | undefined;
  pid: number | undefined;
  /** bumped each time the process exits: a call that saw another generation end lost its child */
  generation = 0;
  /** the calls running on this child, by a bridge-local id */
  readonly calls = new Map<number, RunningCall>();
  /** when the current process finished its handshake (performance.now()) */
  upSince = 0;

  constructor(
    readonly index: number,
    private readonly spec: ChildSpec,
    private readonly log: Logger,
    private readonly events: {
      /** the process exited (or its connection closed); `generation` is already the next one */
      exited(child: Child): void;
      listChanged(child: Child, kind: ListKind): void;
    },
  ) {}

  get ready(): boolean {
    return this.client !== undefined;
  }

  /** Spawns the process and completes the MCP handshake; rejects (and cleans up) when either fails. */
  async start(): Promise<void> {
    const transport = new StdioClientTransport({
      command: this.spec.command,
      args: this.spec.args,
      env: this.spec.env,
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim()) this.log.info({ child: this.index, pid: transport.pid, line }, 'child stderr');
      }
    });
    const client = new Client({ name: 'mcp-fleet-bridge', version: '0.1.0' }, { capabilities: CLIENT_CAPABILITIES });
    this.relay(client);
    let connected = false;
    client.onclose = () => {
      if (!connected) return;
      this.client = undefined;
      this.generation++;
      this.log.warn({ child: this.index, pid: this.pid, running: this.calls.size }, 'child exited');
      this.events.exited(this);
    };
    try {
      await client.connect(transport);
    } catch (err) {
      await client.close().catch(() => {});
      throw err;
    }
    connected = true;
    this.pid = transport.pid ?? undefined;
    this.upSince = performance.now();
    this.client = client;
    // The fleet filters logs per call by the caller's level (ctx.log): the child sends them all.
    if (client.getServerCapabilities()?.logging) await client.setLoggingLevel('debug').catch(() => {});
    this.log.info({ child: this.index, pid: this.pid, server: client.getServerVersion() }, 'child started');
  }

  /** Ends the process (SIGTERM through the SDK's close, SIGKILL if it lingers); no restart follows. */
  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.onclose = undefined;
      await client.close().catch(() => {});
    }
  }

  /** The one call this child runs, when it runs exactly one (and it came with a context). */
  private soleCall(): RunningCall | undefined {
    if (this.calls.size !== 1) return undefined;
    const [call] = this.calls.values();
    return call?.ctx ? call : undefined;
  }

  private relay(client: Client): void {
    const ask = <T>(method: string, fn: (ctx: HandlerContext) => Promise<T>) => {
      return async (): Promise<T> => {
        const ctx = this.soleCall()?.ctx;
        if (!ctx) {
          throw new RelayError(
            ErrorCode.InternalError,
            this.calls.size === 0
              ? `${method} outside of a call: the fleet relays it only while a call runs`
              : `${method} while ${this.calls.size} calls run on this process: the bridge cannot tell which caller to ask (run it with --concurrency 1)`,
          );
        }
        try {
          return await fn(ctx);
        } catch (err) {
          // The caller's own error answer goes back as it was; anything else (no capability, timeout) as an error.
          if (err instanceof ServerRequestError && err.code !== undefined) throw new RelayError(err.code, err.message);
          throw new RelayError(ErrorCode.InternalError, (err as Error)?.message ?? String(err));
        }
      };
    };
    client.setRequestHandler(ElicitRequestSchema, (req) => ask(req.method, (ctx) => ctx.elicit(req.params))());
    client.setRequestHandler(CreateMessageRequestSchema, (req) => ask(req.method, (ctx) => ctx.sample(req.params))());
    client.setRequestHandler(ListRootsRequestSchema, (req) => ask(req.method, (ctx) => ctx.listRoots())());
    client.setNotificationHandler(LoggingMessageNotificationSchema, async (n) => {
      const { level, data, logger } = n.params;
      const call = this.soleCall();
      if (call?.ctx) track(call, call.ctx.log(level as LogLevel, data, logger));
      else this.log.info({ child: this.index, level, logger, data }, 'child log outside a single call');
    });
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () =>
      this.events.listChanged(this, 'tools'),
    );
    client.setNotificationHandler(ResourceListChangedNotificationSchema, async () =>
      this.events.listChanged(this, 'resources'),
    );
    client.setNotificationHandler(PromptListChangedNotificationSchema, async () =>
      this.events.listChanged(this, 'prompts'),
    );
  }
}
