// What the floor's front and worker agree on (floor-front.ts, floor-worker.ts): their queue, key prefix, channels.
export const FLOOR_QUEUE = 'floor';
export const floorPrefix = process.env.FLOOR_PREFIX ?? 'floor';
export const floorChannel = (node: string) => `${floorPrefix}:node:${node}`;
