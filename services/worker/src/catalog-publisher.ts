// Publishes this worker's catalog to Redis and announces it (DESIGN invariant 6).
import type { Redis } from 'ioredis';
import type { FleetKeys } from '@mcp-fleet/shared';
import type { AnyTool } from './define-tool.ts';

export function catalogEntry(workerId: string, queue: string, tools: AnyTool[]) {
  return {
    workerId,
    queue,
    tools: tools.map((t) => ({
      name: t.name,
      ...(t.title !== undefined && { title: t.title }),
      description: t.description,
      inputSchema: t.inputSchema,
      ...(t.outputSchema !== undefined && { outputSchema: t.outputSchema }),
      ...(t.annotations !== undefined && { annotations: t.annotations }),
    })),
  };
}

export async function publishCatalog(redis: Redis, keys: FleetKeys, workerId: string, queue: string, tools: AnyTool[]) {
  await redis
    .multi()
    .hset(keys.catalog(), workerId, JSON.stringify(catalogEntry(workerId, queue, tools)))
    .publish(keys.catalogChannel(), workerId)
    .exec();
}

export async function withdrawCatalog(redis: Redis, keys: FleetKeys, workerId: string) {
  await redis.multi().hdel(keys.catalog(), workerId).publish(keys.catalogChannel(), workerId).exec();
}
