// Who is connected to the test's Redis: CLIENT LIST parsed, and (on Linux) the TCP connections a given process
// holds to the Redis port, read from /proc — a count that does not depend on how connections are named.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Redis } from 'ioredis';

export interface RedisClientInfo {
  id: string;
  addr: string;
  name: string;
  cmd: string;
  [field: string]: string;
}

export async function clientList(redis: Redis): Promise<RedisClientInfo[]> {
  const text = (await redis.client('LIST')) as string;
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const info: Record<string, string> = {};
      for (const part of line.split(' ')) {
        const eq = part.indexOf('=');
        if (eq > 0) info[part.slice(0, eq)] = part.slice(eq + 1);
      }
      return info as RedisClientInfo;
    });
}

/**
 * Established TCP connections from process `pid` to 127.0.0.1:`port`, from /proc (Linux only: returns undefined
 * elsewhere). Counts sockets the process owns whose remote end is the Redis port.
 */
export function tcpConnectionsTo(pid: number, port: number): number | undefined {
  if (process.platform !== 'linux') return undefined;
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // fd closed while we looked
    }
  }
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  let n = 0;
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const rem = cols[2]!;
      const state = cols[3]!;
      const inode = cols[9]!;
      // state 01 = ESTABLISHED; remote address ends with :PORT (hex)
      if (state === '01' && rem.endsWith(`:${portHex}`) && inodes.has(inode)) n++;
    }
  }
  return n;
}
