// MONITOR on a plain socket. ioredis's `monitor()` can fail with "Command queue state error": when Redis's +OK to
// MONITOR and the first logged command arrive in one read, ioredis parses the log line before it has switched the
// connection to monitoring (the switch waits for a promise) and takes it for the reply to a command it never sent
// (redis/ioredis#1981; seen once in the bench's CI run). Here the +OK is read first, then every line is a log line.
import { connect } from 'node:net';

/** One logged command: Redis's timestamp (s, as text), the command and its arguments, and who sent it. */
export type MonitorListener = (time: string, args: string[], source: string) => void;

export interface Monitor {
  close(): void;
}

/** Starts MONITOR on host:port; resolves once Redis has answered +OK (later commands reach `onCommand`). */
export function monitorRedis(host: string, port: number, onCommand: MonitorListener): Promise<Monitor> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let buffered = '';
    let started = false;
    socket.setEncoding('utf8');
    socket.on('error', (err) => (started ? undefined : reject(err)));
    socket.on('connect', () => socket.write('MONITOR\r\n'));
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let nl = buffered.indexOf('\r\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 2);
        nl = buffered.indexOf('\r\n');
        if (!started) {
          if (line !== '+OK') return reject(new Error(`MONITOR refused: ${line}`));
          started = true;
          resolve({ close: () => socket.destroy() });
        } else if (line.startsWith('+')) parseLine(line.slice(1), onCommand);
      }
    });
  });
}

/** `<time> [<db> <source>] "cmd" "arg" …` — Redis escapes quotes and control characters inside the arguments. */
function parseLine(line: string, onCommand: MonitorListener): void {
  const space = line.indexOf(' ');
  const firstQuote = line.indexOf('"');
  if (space < 0 || firstQuote < 0) return;
  const [, source = ''] = line.slice(space + 2, firstQuote - 2).split(' ');
  const args = line
    .slice(firstQuote + 1, -1)
    .split('" "')
    .map((a) => a.replace(/\\"/g, '"'));
  onCommand(line.slice(0, space), args, source);
}
