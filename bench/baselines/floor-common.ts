// What the floor's front and worker agree on (floor-front.ts, floor-worker.ts): their queue, key prefix, channels.
export const FLOOR_QUEUE = 'floor';
export const floorPrefix = process.env.FLOOR_PREFIX ?? 'floor';
export const floorChannel = (node: string) => `${floorPrefix}:node:${node}`;
/**
 * A wake-up message is records, one per line: the job id, a tab, then FLOOR_MESSAGE (a message on the way) or
 * FLOOR_ANSWER (the answer, the job's last) and the JSON-RPC message (JSON text has no raw newline).
 */
export const FLOOR_MESSAGE = 'm';
export const FLOOR_ANSWER = 'a';
export const floorRecord = (jobId: string, kind: string, message: string) => `${jobId}\t${kind}${message}`;
