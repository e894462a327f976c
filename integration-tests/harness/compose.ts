// docker-compose.yml as the tests read it: YAML with merge keys resolved, and `${VAR}`, `${VAR:-default}`,
// `${VAR-default}` and `$$` interpolated from an environment the way `docker compose` does, so a test sees the
// values a container would get.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './process.ts';

export const composeFile = join(repoRoot, 'docker-compose.yml');

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  ports?: string[];
  volumes?: string[];
  profiles?: string[];
  stop_grace_period?: string;
  depends_on?: unknown;
  healthcheck?: unknown;
}

export interface Compose {
  services: Record<string, ComposeService>;
  [key: string]: unknown;
}

const VARIABLE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g;

function interpolate(value: unknown, env: Record<string, string | undefined>): unknown {
  if (typeof value === 'string') {
    return value.replace(VARIABLE, (whole, name: string | undefined, op: string | undefined, fallback = '') => {
      if (whole === '$$') return '$';
      const v = env[name!];
      if (op === ':-') return v ? v : fallback;
      if (op === '-') return v ?? fallback;
      return v ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)]));
  }
  return value;
}

/** The compose file as `docker compose config` would see it with `env` as the shell's environment. */
export function loadCompose(env: Record<string, string | undefined> = {}): Compose {
  const raw: unknown = parse(readFileSync(composeFile, 'utf8'), { merge: true });
  return interpolate(raw, env) as Compose;
}

/** A service's environment as strings (what the process sees). */
export function serviceEnv(service: ComposeService): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, v == null ? '' : String(v)]));
}

/** Go-style durations as compose writes them (`15s`, `1m30s`), in milliseconds. */
export function durationMs(d: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001 };
  let total = 0;
  for (const [, n, unit] of d.matchAll(/(\d+(?:\.\d+)?)(ms|us|h|m|s)/g)) total += Number(n) * units[unit!]!;
  return total;
}
