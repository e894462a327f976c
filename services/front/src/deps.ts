// What the HTTP layer needs from the rest of the node; built once by app.ts.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AuditLog, CallJob, FleetConfig, FleetKeys } from '@mcp-fleet/shared';
import type { Catalog } from './catalog/catalog.ts';
import type { Dispatcher } from './dispatch/dispatcher.ts';
import type { MetricsHandler } from './http/metrics-route.ts';
import type { SessionStore } from './sessions/session-store.ts';
import type { StreamCaps } from './streams/stream-caps.ts';
import type { StreamHub } from './streams/stream-hub.ts';
import type { ModernDoor } from './modern/modern-handler.ts';
import type { TaskStore } from './tasks/task-store.ts';
import type { Authenticator } from './auth/authenticator.ts';
import type { RateLimits } from './quotas/rate-limits.ts';

export interface FrontDeps {
  config: FleetConfig;
  nodeId: string;
  keys: FleetKeys;
  redis: Redis;
  sessions: SessionStore;
  catalog: Catalog;
  dispatcher: Dispatcher;
  hub: StreamHub;
  /** open SSE streams per session (MAX_STREAMS_PER_SESSION) */
  streamCaps: StreamCaps;
  tasks: TaskStore;
  /** who is calling: the one authentication gate of every transport */
  auth: Authenticator;
  /** request rates per principal and per tool (fair use) */
  rateLimits: RateLimits;
  log: Logger;
  audit: AuditLog;
  /** the Prometheus exporter's handler, served at METRICS_PATH (METRICS_ENABLED) */
  metrics?: MetricsHandler;
  /** the 2026-07-28 leg; set once it is ready (start-up order: deps first, then the door built on them) */
  modern?: ModernDoor;
}

/** An HTTP+SSE (2024-11-05) session's lease: three keep-alive intervals of the connection that renews it. */
export function legacyLeaseMs(config: FleetConfig): number {
  return 3 * config.SSE_KEEPALIVE_MS;
}

export function retention(config: FleetConfig) {
  return { maxEvents: config.STREAM_MAX_EVENTS, ttlMs: config.STREAM_TTL_SECONDS * 1000 };
}

/**
 * The retention a job carries. `sessionTtlMs` is how long the call's session-wide keys live: the session's idle TTL,
 * or (a 2026-07-28 call, which has no session) the stream TTL.
 */
export function jobRetention(config: FleetConfig, sessionTtlMs: number): CallJob['retention'] {
  // Object.assign onto a fresh object, once per call: a spread with fields after it is slow on Node 20
  // (docs/architecture.md).
  return Object.assign(retention(config), { sessionTtlMs, serverRequestTimeoutMs: config.SERVER_REQUEST_TIMEOUT_MS });
}
