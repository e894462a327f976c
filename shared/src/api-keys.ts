// API keys for simple setups (no authorization server): each names a principal (subject, tenant) and its scopes.
// Stored in Redis as a SHA-256 of the secret, never the key itself; the full key is shown once, when created.
// SHA-256 rather than a slow password hash: the secret is 256 random bits, so there is nothing to guess, and every
// request verifies one (a slow hash would cost each request milliseconds).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { FleetKeys } from './keys.ts';

/** Every key starts so, which tells it apart from a JWT or an opaque OAuth token (and helps secret scanners). */
export const API_KEY_PREFIX = 'mcpf_';

export interface ApiKeyRecord {
  id: string;
  subject: string;
  tenant?: string;
  scopes: string[];
  createdAt: number;
  expiresAt?: number;
  revokedAt?: number;
}

export type ApiKeyCheck = { ok: true; key: ApiKeyRecord } | { ok: false; reason: string };

const digest = (secret: string) => createHash('sha256').update(secret).digest();

/** `mcpf_<id>_<secret>`: the id (hex) finds the record; the secret proves the key. */
function parseKey(presented: string): { id: string; secret: string } | undefined {
  const m = /^mcpf_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/.exec(presented);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

export class ApiKeyStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
  ) {}

  async create(opts: { subject: string; tenant?: string; scopes: string[]; expiresAt?: number }) {
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const record: ApiKeyRecord = { id, ...opts, createdAt: Date.now() };
    await this.redis
      .multi()
      .hset(this.keys.apiKey(id), {
        h: digest(secret).toString('hex'),
        sub: opts.subject,
        scopes: opts.scopes.join(' '),
        c: record.createdAt,
        ...(opts.tenant !== undefined && { tenant: opts.tenant }),
        ...(opts.expiresAt !== undefined && { exp: opts.expiresAt }),
      })
      .sadd(this.keys.apiKeyIndex(), id)
      .exec();
    return { key: `${API_KEY_PREFIX}${id}_${secret}`, record };
  }

  async list(): Promise<ApiKeyRecord[]> {
    const ids = await this.redis.smembers(this.keys.apiKeyIndex());
    const p = this.redis.pipeline();
    for (const id of ids) p.hgetall(this.keys.apiKey(id));
    const rows = ((await p.exec()) ?? []) as [Error | null, Record<string, string>][];
    return ids
      .map((id, i) => toRecord(id, rows[i]?.[1] ?? {}))
      .filter((r): r is ApiKeyRecord => r !== undefined)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Revokes a key for good (kept, marked, so `list` shows it); false when there is no such key. */
  async revoke(id: string): Promise<boolean> {
    const key = this.keys.apiKey(id);
    if (!(await this.redis.exists(key))) return false;
    await this.redis.hsetnx(key, 'rev', Date.now());
    return true;
  }

  async check(presented: string): Promise<ApiKeyCheck> {
    const parsed = parseKey(presented);
    if (!parsed) return { ok: false, reason: 'not a well-formed API key' };
    const h = await this.redis.hgetall(this.keys.apiKey(parsed.id));
    const record = toRecord(parsed.id, h);
    const stored = h.h ? Buffer.from(h.h, 'hex') : undefined;
    if (!record || !stored || stored.length !== 32 || !timingSafeEqual(stored, digest(parsed.secret))) {
      return { ok: false, reason: 'unknown API key' };
    }
    if (record.revokedAt !== undefined) return { ok: false, reason: 'the API key was revoked' };
    if (record.expiresAt !== undefined && record.expiresAt <= Date.now())
      return { ok: false, reason: 'the API key expired' };
    return { ok: true, key: record };
  }
}

function toRecord(id: string, h: Record<string, string>): ApiKeyRecord | undefined {
  if (!h.sub) return undefined;
  return {
    id,
    subject: h.sub,
    ...(h.tenant !== undefined && { tenant: h.tenant }),
    scopes: (h.scopes ?? '').split(' ').filter(Boolean),
    createdAt: Number(h.c),
    ...(h.exp !== undefined && { expiresAt: Number(h.exp) }),
    ...(h.rev !== undefined && { revokedAt: Number(h.rev) }),
  };
}
