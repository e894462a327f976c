// `mcp-fleet keys create|list|revoke`: API keys for setups without an authorization server (AUTH_API_KEYS=true on
// the front nodes). Keys live in the fleet's Redis, hashed; a new key is printed once and cannot be shown again.
import { ApiKeyStore, FleetKeys, createLogger, createRedis, loadConfig, type ApiKeyRecord } from '@mcp-fleet/shared';
import { UsageError, flagsToEnv } from './args.ts';

export const KEYS_USAGE = `  keys create --subject <name> [--tenant <id>] [--scopes <a,b>] [--expires-in <30d|12h|90m>] [--json]
  keys list [--json]
  keys revoke <key id>`;

const OWN_FLAGS = ['subject', 'tenant', 'scopes', 'expires-in', 'json'];

export async function runKeys(argv: string[]): Promise<void> {
  const [action, ...rest] = argv;
  const own: Record<string, string> = {};
  const positional: string[] = [];
  const passOn: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const name = arg.startsWith('--') ? arg.slice(2).split('=')[0]! : undefined;
    if (name === undefined) positional.push(arg);
    else if (name === 'json') own.json = 'true';
    else if (OWN_FLAGS.includes(name)) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : rest[++i];
      if (value === undefined) throw new UsageError(`option --${name} needs a value`);
      own[name] = value;
    } else {
      passOn.push(arg);
      if (!arg.includes('=') && rest[i + 1] !== undefined) passOn.push(rest[++i]!);
    }
  }
  const config = loadConfig({ ...process.env, ...flagsToEnv(passOn) });
  if (!config.REDIS_URL) throw new UsageError("keys needs REDIS_URL (the fleet's Redis)");
  const log = createLogger('cli', 'warn', 'keys');
  const redis = createRedis(config.REDIS_URL, 'command', 'cli:keys', log, { commandTimeoutMs: 5000 });
  const store = new ApiKeyStore(redis, new FleetKeys(config.KEY_PREFIX));
  const out = (text: string): void => {
    process.stdout.write(`${text}\n`);
  };
  try {
    switch (action) {
      case 'create': {
        if (!own.subject) throw new UsageError('keys create needs --subject');
        const scopes = (own.scopes ?? '').split(/[,\s]+/).filter(Boolean);
        const expiresAt = own['expires-in'] ? Date.now() + duration(own['expires-in']) : undefined;
        const { key, record } = await store.create({ subject: own.subject, tenant: own.tenant, scopes, expiresAt });
        if (own.json) out(JSON.stringify({ key, ...record }));
        else {
          out(`key ${record.id} for ${describe(record)}`);
          out(key);
          process.stderr.write('(shown once: store it now; only its hash is kept)\n');
        }
        return;
      }
      case 'list': {
        const all = await store.list();
        if (own.json) return out(JSON.stringify(all));
        if (all.length === 0) return out('no API keys');
        for (const r of all)
          out(`${r.id}  ${status(r)}  ${describe(r)}  created ${new Date(r.createdAt).toISOString()}`);
        return;
      }
      case 'revoke': {
        const id = positional[0];
        if (!id) throw new UsageError('keys revoke needs the key id (see keys list)');
        if (!(await store.revoke(id))) {
          process.stderr.write(`mcp-fleet: no API key ${JSON.stringify(id)} (see keys list)\n`);
          process.exitCode = 1;
          return;
        }
        out(`revoked ${id} (front nodes stop accepting it within AUTH_API_KEY_CACHE_MS)`);
        return;
      }
      default:
        throw new UsageError(`keys: unknown action ${JSON.stringify(action ?? '')}`);
    }
  } finally {
    redis.disconnect();
  }
}

function describe(r: ApiKeyRecord): string {
  const who = r.tenant ? `${r.subject}@${r.tenant}` : r.subject;
  return `${who} scopes=[${r.scopes.join(' ')}]`;
}

function status(r: ApiKeyRecord): string {
  if (r.revokedAt !== undefined) return 'revoked';
  if (r.expiresAt !== undefined && r.expiresAt <= Date.now()) return 'expired';
  return r.expiresAt !== undefined ? `active until ${new Date(r.expiresAt).toISOString()}` : 'active';
}

function duration(text: string): number {
  const m = /^(\d+)([dhm])$/.exec(text);
  if (!m) throw new UsageError(`--expires-in ${JSON.stringify(text)}: use a number and d, h or m (e.g. 30d)`);
  return Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
}
