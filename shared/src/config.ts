// One validated configuration object, built once at start from the environment (and CLI flags,
// which the CLI turns into the same variable names). Only this module reads process.env.
import { isIP } from 'node:net';
import { z } from 'zod';
import { originMatcher } from './origins.ts';
import { publicEndpoint } from './public-url.ts';

/** Reads "true/1/yes/on" as true and "false/0/no/off" as false; anything else is an error. */
const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', '1', 'yes', 'on', 'false', '0', 'no', 'off'].includes(v), 'expected true or false')
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

export const configSchema = z
  .object({
    REDIS_URL: z.string().url().optional().describe('Redis to use; unset in `dev` starts one'),
    REDIS_MODE: z
      .enum(['standalone', 'cluster', 'sentinel'])
      .default('standalone')
      .describe(
        'standalone: REDIS_URL is the server; cluster: REDIS_URL is one node of a Redis Cluster; sentinel: see REDIS_SENTINELS',
      ),
    REDIS_SENTINELS: list
      .prefault('')
      .describe(
        'REDIS_MODE=sentinel: the Sentinels, host:port comma-separated (REDIS_URL gives password and database)',
      ),
    REDIS_SENTINEL_NAME: z.string().min(1).default('mymaster').describe('REDIS_MODE=sentinel: the master group name'),
    REDIS_WAIT_REPLICAS: int(0, 16)
      .default(0)
      .describe('a worker waits for this many replicas to have each stream append (WAIT) before counting it written'),
    REDIS_WAIT_TIMEOUT_MS: int(10, 60_000)
      .default(1000)
      .describe(
        'how long an append waits for REDIS_WAIT_REPLICAS; fewer acknowledgements count as an outage (retried)',
      ),
    QUEUE_SHARDS: int(1, 128)
      .default(1)
      .describe(
        'BullMQ queues the work is spread over (Redis Cluster: each on its own hash slot); workers consume all',
      ),
    HOST: z.string().min(1).default('127.0.0.1').describe('front node bind address'),
    PORT: int(0, 65535).default(3000).describe('front node port (0 = any free port)'),
    MCP_PATH: z
      .string()
      .regex(/^\/[\w\-./]*$/, 'must start with / and hold only URL path characters')
      .default('/mcp'),
    LEGACY_SSE_PATH: z
      .string()
      .regex(/^\/[\w\-./]*$/)
      .default('/sse')
      .describe('GET path of the 2024-11-05 HTTP+SSE transport'),
    LEGACY_MESSAGES_PATH: z
      .string()
      .regex(/^\/[\w\-./]*$/)
      .default('/messages')
      .describe('POST path of the HTTP+SSE transport'),
    KEY_PREFIX: z
      .string()
      .regex(/^[\w\-.]+$/, 'letters, digits, - _ . only')
      .default('mcpf'),
    QUEUE: z
      .string()
      .regex(/^[\w\-.]+$/, 'letters, digits, - _ . only')
      .default('tools'),
    NODE_ID: z
      .string()
      .regex(/^[\w\-.]+$/)
      .optional(),
    ALLOWED_ORIGINS: list
      .prefault('http://localhost,http://127.0.0.1,http://[::1],https://localhost,https://127.0.0.1')
      .describe('Origins allowed to call (scheme://host, any port); `*` allows all'),
    ALLOWED_HOSTS: list
      .optional()
      .describe(
        'Host names (any port) clients may reach the MCP paths by; `*` allows all. Unset: loopback names when HOST is loopback, else required',
      ),
    CORS_ORIGINS: list
      .prefault('')
      .describe(
        'Origins (scheme://host[:port]) browsers may call from cross-origin; each must pass ALLOWED_ORIGINS. Empty: CORS off',
      ),
    MAX_CLIENT_METADATA_BYTES: int(256, 16 * 1024 * 1024)
      .default(16 * 1024)
      .describe("largest JSON of a client's clientInfo + capabilities (initialize, or a 2026-07-28 request's _meta)"),
    MAX_SESSIONS_PER_PRINCIPAL: int(1, 100_000_000)
      .default(1000)
      .describe('live sessions one principal may hold, fleet-wide; more → 429'),
    MAX_STREAMS_PER_SESSION: int(1, 100_000)
      .default(32)
      .describe(
        'SSE streams (GET, resumes, streamed POST answers) one session may hold open at once, fleet-wide; more → 429',
      ),
    MAX_BODY_BYTES: int(1024, 64 * 1024 * 1024).default(1024 * 1024),
    SESSION_TTL_SECONDS: int(10, 30 * 24 * 3600).default(3600),
    NOTIFICATION_WRITE_BEHIND: int(1, 100_000)
      .default(64)
      .describe(
        'notifications (progress, logs, partial results) one tool call may have queued, not yet in its stream, before ctx.progress/log/notify waits for them to be written; 1: each waits for its own write',
      ),
    APPEND_BATCH_MAX: int(1, 10_000)
      .default(64)
      .describe(
        'stream appends one script call carries at most (a process gathers those made while earlier ones are on their way)',
      ),
    APPEND_BATCHES_IN_FLIGHT: int(1, 64)
      .default(2)
      .describe(
        "append script calls a process's connection has on their way at once; appends made meanwhile wait and go together",
      ),
    SESSION_CACHE_SIZE: int(0, 10_000_000)
      .default(10_000)
      .describe(
        "sessions a front node remembers after their first tool call, so their next calls skip reading the session (the call's stream opening checks it instead); 0: every request reads its session",
      ),
    STREAM_MAX_EVENTS: int(10, 10_000_000).default(10_000),
    STREAM_TTL_SECONDS: int(5, 7 * 24 * 3600).default(600),
    SSE_KEEPALIVE_MS: int(1000, 15_000).default(15_000),
    SSE_RETRY_MS: int(0, 600_000).default(1000),
    SHUTDOWN_GRACE_MS: int(0, 120_000)
      .default(5000)
      .describe('on SIGTERM, how long in-flight requests may finish before connections are closed'),
    RESPONSE_MODE: z.enum(['sse', 'json']).default('sse'),
    TOOLS_PAGE_SIZE: int(1, 1000).default(100),
    REQUEST_TIMEOUT_MS: int(1000, 3_600_000).default(30_000),
    WORKER_CONCURRENCY: int(1, 10_000).default(64),
    JOB_LOCK_MS: int(1000, 3_600_000)
      .default(10_000)
      .describe('BullMQ job lock; a worker silent this long is presumed dead and its calls recovered'),
    JOB_STALLED_CHECK_MS: int(500, 3_600_000).default(5000).describe('how often workers look for jobs of dead workers'),
    WORKER_SHUTDOWN_GRACE_MS: int(0, 3_600_000)
      .default(10_000)
      .describe('on SIGTERM, how long running calls may finish before the rest are handed back'),
    REDIS_COMMAND_TIMEOUT_MS: int(100, 60_000)
      .default(1000)
      .describe('how long a Redis command may take before it counts as Redis not answering'),
    REDIS_OUTAGE_GRACE_MS: int(1000, 600_000)
      .default(30_000)
      .describe('how long an open stream waits for Redis to come back before its connection is closed'),
    MAX_ARGUMENT_DEPTH: int(4, 1000).default(64).describe("deepest nesting of a request's params accepted"),
    CATALOG_HEARTBEAT_MS: int(500, 600_000)
      .default(10_000)
      .describe(
        'workers refresh their catalog entry (front nodes their heartbeat) this often; entries silent for 3 intervals are dropped',
      ),
    SERVER_REQUEST_TIMEOUT_MS: int(100, 3_600_000)
      .default(60_000)
      .describe('how long a tool waits for the client to answer elicitation/sampling/roots'),
    HEADERS_TO_TOOLS: list
      .prefault('')
      .describe('request headers handlers see as ctx.headers (lower-case names; authorization only if listed)'),
    REQUEST_STATE_SECRET: z
      .string()
      .min(32, 'must be at least 32 characters')
      .optional()
      .describe('HMAC key for 2026-07-28 MRTR requestState; unset: a random key shared through Redis'),
    JOB_MAX_STALLS: int(1, 1000)
      .default(3)
      .describe("how often a call's worker may stop mid-call before the call fails (BullMQ maxStalledCount)"),
    QUEUE_MAX_WAITING: int(1, 100_000_000)
      .default(100_000)
      .describe('calls waiting to start in one queue beyond which new calls are refused (503 QUEUE_FULL)'),
    TASK_DEFAULT_TTL_MS: int(1000, 30 * 86_400_000)
      .default(3_600_000)
      .describe('how long a task and its result are kept when the client asks for no ttl'),
    TASK_MAX_TTL_MS: int(1000, 30 * 86_400_000)
      .default(86_400_000)
      .describe('the longest a task is kept, whatever ttl the client asks for'),
    TASK_POLL_INTERVAL_MS: int(10, 3_600_000).default(1000).describe('the polling interval tasks suggest to clients'),
    TASK_SYNC_WINDOW_MS: int(0, 3_600_000)
      .default(500)
      .describe('2026-07-28: a call to a tool with optional task support that runs longer than this becomes a task'),
    TASK_LIST_PAGE_SIZE: int(1, 1000).default(50).describe('tasks per tasks/list page'),
    REQUEST_STATE_TTL_SECONDS: int(10, 86_400).default(600).describe('how long an MRTR requestState stays valid'),
    TOOL_PACKS: list.prefault('examples').describe('tool packs the worker loads: built-in names or module paths'),
    BRIDGE_CHILDREN: int(1, 256)
      .default(2)
      .describe('`mcp-fleet bridge`: how many copies of the stdio server one bridge worker runs'),
    BRIDGE_CONCURRENCY: int(1, 1000)
      .default(1)
      .describe('`mcp-fleet bridge`: calls one child process runs at once (`--concurrency`)'),
    BRIDGE_RESTART_BACKOFF_MS: int(0, 600_000)
      .default(500)
      .describe('`mcp-fleet bridge`: wait before restarting a child that exited; doubled per restart in a row'),
    BRIDGE_RESTART_MAX_BACKOFF_MS: int(0, 3_600_000)
      .default(30_000)
      .describe('`mcp-fleet bridge`: the longest wait between restarts of a child'),
    BRIDGE_ENV: list
      .prefault('')
      .describe("`mcp-fleet bridge`: environment variables passed to the children beyond the SDK's safe defaults"),
    AUTH_ISSUERS: list
      .prefault('')
      .describe('OAuth issuers whose JWT access tokens are accepted (JWKS found through their metadata)'),
    AUTH_RESOURCE: z
      .string()
      .url()
      .optional()
      .describe("this server's canonical URI (RFC 8707): the audience tokens must name; required with AUTH_ISSUERS"),
    AUTH_JWKS_COOLDOWN_MS: int(0, 3_600_000)
      .default(30_000)
      .describe('an unknown signing key refetches the JWKS at most this often (key rotation)'),
    AUTH_JWKS_MAX_AGE_MS: int(1000, 86_400_000).default(600_000).describe('how long a fetched JWKS is used'),
    AUTH_CLOCK_TOLERANCE_SECONDS: int(0, 600).default(30).describe('clock skew allowed on exp/nbf/iat'),
    AUTH_INTROSPECTION_URL: z
      .string()
      .url()
      .optional()
      .describe('RFC 7662 endpoint for opaque (non-JWT) access tokens'),
    AUTH_INTROSPECTION_CLIENT_ID: z.string().optional().describe('client id for the introspection endpoint'),
    AUTH_INTROSPECTION_CLIENT_SECRET: z.string().optional().describe('client secret for the introspection endpoint'),
    AUTH_INTROSPECTION_CACHE_MS: int(0, 3_600_000)
      .default(30_000)
      .describe('how long an introspected token is trusted before it is asked about again'),
    AUTH_API_KEYS: bool
      .prefault('false')
      .describe('accept API keys made with `mcp-fleet keys create` (stored hashed in Redis)'),
    AUTH_API_KEY_CACHE_MS: int(0, 600_000)
      .default(5000)
      .describe('a front node remembers a looked-up API key this long (a revoked key stops within it)'),
    AUTH_ALLOW_ANONYMOUS: bool
      .optional()
      .describe(
        'accept requests without credentials as the `anon` principal; default: only when no authentication is configured',
      ),
    AUTH_REQUIRED_SCOPES: list.prefault('').describe('scopes every authenticated request needs'),
    AUTH_SCOPE_RULES: list
      .prefault('')
      .describe('scopes per tool, resource or prompt: `tool:<name>=<scope> <scope>`, names may end in *'),
    AUTH_TENANT_CLAIM: z.string().min(1).default('tenant').describe("the token claim naming the caller's tenant"),
    AUTH_CLAIMS_TO_TOOLS: list
      .prefault('iss,sub,email,name')
      .describe('token claims tools see as ctx.principal.claims (never the token)'),
    RATE_LIMIT_REQUESTS: int(0, 100_000_000)
      .default(0)
      .describe('requests one principal may make per RATE_LIMIT_WINDOW_SECONDS, fleet-wide (0: no limit)'),
    RATE_LIMIT_WINDOW_SECONDS: int(1, 86_400).default(1).describe('the window of RATE_LIMIT_REQUESTS'),
    RATE_LIMIT_RULES: list
      .prefault('')
      .describe('calls one principal may make of a tool: `tool:<name>=<calls>/<seconds>`, names may end in *'),
    MAX_CALLS_IN_FLIGHT_PER_PRINCIPAL: int(0, 10_000_000)
      .default(256)
      .describe('calls one principal may have waiting, running or parked at once, fleet-wide (0: no limit)'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    TRUST_PROXY: bool
      .or(
        list.refine(
          (v) => v.length > 0 && v.every((a) => isIP(a.split('/')[0]!) !== 0),
          'expected true, false, or proxy addresses / CIDRs (10.0.0.0/8,127.0.0.1)',
        ),
      )
      .prefault('false')
      .describe(
        'trust X-Forwarded-* (client address, Host, scheme): true, false, or the proxy addresses / CIDRs to trust',
      ),
    PUBLIC_URL: z
      .string()
      .url()
      .refine((v) => URL.canParse(v) && /^https?:\/\/[^?#]+$/.test(v), {
        message: 'an http(s) URL without query or fragment, e.g. https://mcp.example.com/api',
      })
      .optional()
      .describe(
        'where clients reach the fleet through a proxy (scheme, host, base path the proxy strips): used in the URLs nodes hand out',
      ),
    OTEL_EXPORTER_OTLP_ENDPOINT: z
      .string()
      .url()
      .optional()
      .describe('OpenTelemetry collector (OTLP/HTTP); set: traces and metrics are exported to it'),
    OTEL_METRIC_EXPORT_INTERVAL: int(100, 3_600_000)
      .default(60_000)
      .describe('how often metrics are exported over OTLP, milliseconds'),
    OTEL_SERVICE_NAME: z.string().min(1).optional().describe('service.name of exported telemetry'),
    METRICS_ENABLED: bool
      .prefault('false')
      .describe('serve Prometheus metrics: a front node at METRICS_PATH, a worker on METRICS_PORT'),
    METRICS_PATH: z
      .string()
      .regex(/^\/[\w\-./]*$/)
      .default('/metrics')
      .describe('path of the Prometheus metrics endpoint'),
    METRICS_PORT: int(0, 65535).default(9464).describe("a worker's metrics listener port (on HOST)"),
    METRICS_TOKEN: z
      .string()
      .min(16, 'must be at least 16 characters')
      .optional()
      .describe('bearer token a scraper must send; unset: metrics only on a loopback bind address'),
    CONSOLE_ENABLED: bool
      .prefault('false')
      .describe('serve the operator console at /console (`mcp-fleet dev` turns it on)'),
    CONSOLE_SCOPE: z
      .string()
      .regex(/^[\x21-\x7e]+$/, 'one scope, no spaces')
      .default('mcp-fleet:admin')
      .describe('scope a credential needs for the console when authentication is configured'),
    CONSOLE_REFRESH_MS: int(100, 60_000)
      .default(1000)
      .describe('how often a node with console viewers reads the fleet from Redis for them'),
    AUDIT_LOG: z
      .string()
      .regex(/^(off|stdout|\/.+)$/, 'off, stdout, or an absolute file path')
      .default('off')
      .describe('audit log of tool calls and denied requests: off, stdout, or a file path'),
    AUDIT_ARGUMENTS: bool.prefault('false').describe("audit lines carry the call's arguments"),
  })
  .strict()
  // A CORS origin the Origin check would refuse could pass a preflight and then be refused (403): say so at start.
  .superRefine((c, ctx) => {
    const admits = originMatcher(c.ALLOWED_ORIGINS);
    for (const origin of c.CORS_ORIGINS) {
      if (origin === '*' ? c.ALLOWED_ORIGINS.includes('*') : admits(origin)) continue;
      ctx.addIssue({
        code: 'custom',
        path: ['CORS_ORIGINS'],
        message: `${origin} is not allowed by ALLOWED_ORIGINS (add it there too)`,
      });
    }
  });

export type FleetConfig = z.infer<typeof configSchema>;
export type ConfigKey = keyof FleetConfig;
export const configKeys = Object.keys(configSchema.shape) as ConfigKey[];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Picks the known keys out of an environment, validates them, and explains every bad value at once. */
export function loadConfig(env: Record<string, string | undefined> = process.env): FleetConfig {
  const picked: Record<string, string> = {};
  for (const key of configKeys) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const parsed = configSchema.safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const key = String(i.path[0] ?? '?');
      return `  ${key}=${JSON.stringify(picked[key] ?? '')}: ${i.message}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  // Behind a proxy the canonical resource URI (token audience, metadata) is the public endpoint unless set apart.
  const c = parsed.data;
  return { ...c, AUTH_RESOURCE: c.AUTH_RESOURCE ?? publicEndpoint(c.PUBLIC_URL, c.MCP_PATH) };
}
