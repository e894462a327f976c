// notifications/<kind>/list_changed to every live session (and every 2026-07-28 listen stream) when the worker
// fleet's catalog changes.
// Every front node notices the change; one of them wins a SET NX for it and does the fan-out. A change is named by
// the catalog's revision (raised by every announced worker write) and its transition (old version → new version):
// a worker that leaves brings the catalog back to an earlier version, and that is a change too, and a list that
// flaps back and forth within seconds is announced every time. The key lives a minute, long enough for every node
// to notice the same change.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { fanOut, liveSessions, publishServerEvent, type FleetKeys } from '@mcp-fleet/shared';
import type { CatalogChange } from './catalog.ts';

export function listChangedNotifier(
  redis: Redis,
  keys: FleetKeys,
  log: Logger,
  retention: { sessionTtlMs: number; maxEvents: number },
) {
  return ({ kinds, versions, previous, revision }: CatalogChange) => {
    void (async () => {
      for (const kind of kinds) {
        const transition = `${revision}:${previous[kind]}>${versions[kind]}`;
        const won = await redis.set(keys.catalogNotified(kind, transition), '1', 'PX', 60_000, 'NX');
        if (won !== 'OK') continue;
        await publishServerEvent(redis, keys, { kind: `${kind}_list_changed` });
        const sessions = await liveSessions(redis, keys, retention.sessionTtlMs);
        const n = await fanOut(redis, keys, sessions, { method: `notifications/${kind}/list_changed` }, retention, {
          writer: `lc:${kind}:${transition}`,
        });
        log.info({ kind, sessions: n }, 'list_changed sent');
      }
    })().catch((err: Error) => log.warn({ err: err.message }, 'list_changed fan-out failed'));
  };
}
