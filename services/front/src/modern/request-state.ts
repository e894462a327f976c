// MRTR requestState (2026-07-28): HMAC-signed with the SDK's codec, bound to the caller and the method, expiring,
// and carrying a digest of the request so a state minted for one call cannot resume another.
import type { Redis } from 'ioredis';
import { createRequestStateCodec, type RequestStateCodec, type ServerContext } from '@modelcontextprotocol/server';
import { randomId, type FleetConfig, type FleetKeys } from '@mcp-fleet/shared';

/** What a front node needs to continue a parked job on any node. */
export interface ParkedCall {
  /** namespace (synthetic session id) of the call's keys */
  n: string;
  /** job id, also the stream id */
  j: string;
  /** last stream seq the client has seen the effects of */
  q: number;
  /** ids of the server requests the client must answer */
  r: string[];
  /** digest of method, target and arguments */
  d: string;
}

/**
 * Every front node must verify what any other minted. The key comes from configuration, or else is created once
 * in Redis (SET NX) and shared from there: no setup for a fleet, and Redis already holds every session's data.
 */
export async function requestStateCodec(
  redis: Redis,
  keys: FleetKeys,
  config: FleetConfig,
): Promise<RequestStateCodec<ParkedCall>> {
  let key = config.REQUEST_STATE_SECRET;
  if (!key) {
    await redis.set(keys.requestStateKey(), randomId(32), 'NX');
    key = (await redis.get(keys.requestStateKey())) ?? undefined;
    if (!key) throw new Error('could not read the shared requestState key from Redis');
  }
  return createRequestStateCodec<ParkedCall>({
    key,
    ttlSeconds: config.REQUEST_STATE_TTL_SECONDS,
    // Bound to the method and the principal (authInfoOf puts the principal key in clientId): another caller's
    // retry with this state is refused.
    bind: (ctx: ServerContext) => `${ctx.mcpReq.method}\0${ctx.http?.authInfo?.clientId ?? 'anon'}`,
  });
}
