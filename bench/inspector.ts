// A minimal Chrome DevTools Protocol client for a process started with --inspect=127.0.0.1:0: lets the idle-streams
// figure force a full GC in the server before reading its RSS, so garbage left by set-up is not counted per stream.
import { WebSocket } from 'undici';
import type { Proc } from './procs.ts';

export interface Inspector {
  /** Full, compacting GC (HeapProfiler.collectGarbage); resolves when done. */
  gc(): Promise<void>;
  /** V8 heap in use and reserved, bytes (Runtime.getHeapUsage). */
  heap(): Promise<{ used: number; total: number }>;
  close(): void;
}

export async function attachInspector(proc: Proc, timeoutMs = 10_000): Promise<Inspector> {
  const line = await proc.waitForLine((l) => l.includes('Debugger listening on ws://'), timeoutMs);
  const url = /ws:\/\/\S+/.exec(line)![0];
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error(`cannot attach to the inspector of ${proc.name}`)), {
      once: true,
    });
  });
  let nextId = 0;
  const pending = new Map<number, (result: unknown) => void>();
  ws.addEventListener('message', (m) => {
    const msg = JSON.parse(String(m.data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
    if (msg.id !== undefined) pending.delete(msg.id);
  });
  const call = <T>(method: string): Promise<T> =>
    new Promise((resolve) => {
      pending.set(++nextId, resolve as (r: unknown) => void);
      ws.send(JSON.stringify({ id: nextId, method }));
    });
  return {
    gc: async () => void (await call('HeapProfiler.collectGarbage')),
    heap: async () => {
      const h = await call<{ usedSize: number; totalSize: number }>('Runtime.getHeapUsage');
      return { used: h.usedSize, total: h.totalSize };
    },
    close: () => ws.close(),
  };
}
