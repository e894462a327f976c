// Which BullMQ queues carry the work (QUEUE_SHARDS), and which one a call goes to. Over a Redis Cluster each queue
// is named with a hash tag (`{tools-3}`: all of a queue's keys in one slot, as BullMQ requires) chosen so that the
// queues' slots are spread evenly over the 16384 — so with masters owning equal slot ranges, each queue lives on a
// different one. A call goes to the queue whose slot range holds its session's slot: its job and its streams are on
// the same shard, and one shard's failure touches only its own sessions' calls.
import calculateSlot from 'cluster-key-slot';
import type { SessionRef } from './keys.ts';

const SLOTS = 16384;

export interface QueueLayout {
  base: string;
  shards: number;
  cluster: boolean;
}

const cache = new Map<string, string[]>();

/** The queue names of a base queue, shard 0 first. One shard outside a cluster: the base name itself. */
export function queueNames(l: QueueLayout): string[] {
  const key = `${l.base}\0${l.shards}\0${l.cluster}`;
  let names = cache.get(key);
  if (!names) {
    names = computeNames(l);
    cache.set(key, names);
  }
  return names;
}

function computeNames(l: QueueLayout): string[] {
  if (!l.cluster) return l.shards === 1 ? [l.base] : Array.from({ length: l.shards }, (_, i) => `${l.base}-${i}`);
  return Array.from({ length: l.shards }, (_, i) => {
    const from = Math.floor((i * SLOTS) / l.shards);
    const to = Math.floor(((i + 1) * SLOTS) / l.shards);
    for (let k = 0; ; k++) {
      const tag = l.shards === 1 ? l.base : `${l.base}-${k}`;
      const slot = calculateSlot(tag);
      if (l.shards === 1 || (slot >= from && slot < to)) return `{${tag}}`;
    }
  });
}

/** The queue a call of `session` goes to: the shard whose slot range holds the session's slot. */
export function queueOfSession(l: QueueLayout, session: SessionRef): string {
  const names = queueNames(l);
  if (names.length === 1) return names[0]!;
  const slot = calculateSlot(`${session.principal}:${session.sessionId}`);
  return names[Math.floor((slot * names.length) / SLOTS)]!;
}
