// notifications/<kind>/list_changed to every live session (and every 2026-07-28 listen stream) when the worker
// fleet's catalog changes.
// Every front node notices the change; one of them wins a SET NX for the new version and does the fan-out, and
// the appends carry a writer id derived from the version, so even a race sends each session one notification.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { fanOut, liveSessions, publishServerEvent, type FleetKeys } from '@mcp-fleet/shared';
import type { ListKind } from './catalog.ts';

export function listChangedNotifier(
  redis: Redis,
  keys: FleetKeys,
  log: Logger,
  retention: { sessionTtlMs: number; maxEvents: number },
) {
  return (kinds: ListKind[], versions: Record<ListKind, string>) => {
    void (async () => {
      for (const kind of kinds) {
        const won = await redis.set(keys.catalogNotified(kind, versions[kind]), '1', 'PX', 3_600_000, 'NX');
        if (won !== 'OK') continue;
        await publishServerEvent(redis, keys, { kind: `${kind}_list_changed` });
        const sessions = await liveSessions(redis, keys, retention.sessionTtlMs);
        const n = await fanOut(
          redis, keys, sessions, { method: `notifications/${kind}/list_changed` }, retention, `lc:${kind}:${versions[kind]}`,
        );
        log.info({ kind, sessions: n }, 'list_changed sent');
      }
    })().catch((err: Error) => log.warn({ err: err.message }, 'list_changed fan-out failed'));
  };
}
