// Protocol constants both sides agree on.
import type { Era } from './errors.ts';

/** Streamable HTTP versions served with sessions (the legacy era), newest first. */
export const STREAMABLE_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26'] as const;
export type StreamableVersion = (typeof STREAMABLE_VERSIONS)[number];
export const LATEST_VERSION: StreamableVersion = '2025-11-25';
/** Assumed when a request carries no MCP-Protocol-Version and no session says otherwise (spec 2025-06-18 §transports). */
export const DEFAULT_NEGOTIATED_VERSION: StreamableVersion = '2025-03-26';

export function isStreamableVersion(v: unknown): v is StreamableVersion {
  return typeof v === 'string' && (STREAMABLE_VERSIONS as readonly string[]).includes(v);
}

/** The stateless protocol era (2026-07-28 and later): no sessions, MRTR, cancel on disconnect. */
export const MODERN_VERSIONS = ['2026-07-28'] as const;
/** A version string that claims the modern era (a date from 2026-07-28 on), supported or not. */
export function isModernVersion(v: unknown): v is string {
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && v >= '2026-07-28';
}

/** Versions from 2025-11-25 on get a priming event and a `retry` field (SEP-1699); older clients break on them. */
export function supportsPriming(v: string): boolean {
  return v >= '2025-11-25' && !isModernVersion(v);
}

/** RFC 5424 severities in MCP's names, least severe first. */
export const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export function isLogLevel(v: unknown): v is LogLevel {
  return typeof v === 'string' && (LOG_LEVELS as readonly string[]).includes(v);
}
/** True when a message at `level` passes a session whose threshold is `threshold`. */
export function logLevelPasses(level: LogLevel, threshold: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(threshold);
}

export type JsonRpcId = string | number;

/** The era a negotiated or requested version belongs to. */
export function eraOf(version: string): Era {
  return isModernVersion(version) ? 'modern' : 'session';
}
