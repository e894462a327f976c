// Finds or starts a Redis for `mcp-fleet dev` and the test harness, by one rule:
// REDIS_URL if given; else a container through testcontainers when a Docker engine is reachable; else a local
// `redis-server` binary on a free port; else an error that says how to get one.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

export interface RunningRedis {
  url: string;
  port: number;
  kind: 'external' | 'container' | 'local';
  /** the redis-server process, for a local one (tests kill and restart it) */
  pid?: number;
  stop(): Promise<void>;
}

export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function findOnPath(bin: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathEnv.split(delimiter)) {
    if (dir && existsSync(join(dir, bin))) return join(dir, bin);
  }
  return undefined;
}

function dockerReachable(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

export interface StartRedisOptions {
  /** honour REDIS_URL (dev does; tests never do, they always start their own) */
  redisUrl?: string;
  /** skip the container attempt (tests that kill and restart Redis need a local process) */
  localOnly?: boolean;
  /** a fixed port for a local server (used to restart one on the same port) */
  port?: number;
  /** persist with AOF (`appendfsync everysec`) in this directory; a restart on the same directory keeps the data */
  appendOnlyDir?: string;
}

export async function startRedis(opts: StartRedisOptions = {}): Promise<RunningRedis> {
  if (opts.redisUrl) {
    const port = Number(new URL(opts.redisUrl).port || 6379);
    return { url: opts.redisUrl, port, kind: 'external', stop: async () => {} };
  }
  if (!opts.localOnly && dockerReachable()) {
    try {
      return await startContainer();
    } catch {
      // No usable engine after all (a socket file without a daemon, say): fall through to a local binary.
    }
  }
  const bin = findOnPath('redis-server');
  if (bin) return startLocal(bin, opts.port ?? (await freePort()), opts.appendOnlyDir);
  throw new RedisUnavailableError(
    'No Redis available: set REDIS_URL=redis://host:port, or start a Docker engine (a redis:7 container is used), ' +
      'or install redis-server (Debian/Ubuntu: `apt-get install redis-server`; macOS: `brew install redis`).',
  );
}

async function startContainer(): Promise<RunningRedis> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer('redis:7-alpine')
    .withCommand(['redis-server', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'])
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
    .start();
  const port = container.getMappedPort(6379);
  return {
    url: `redis://${container.getHost()}:${port}`,
    port,
    kind: 'container',
    stop: async () => {
      await container.stop();
    },
  };
}

async function startLocal(bin: string, port: number, appendOnlyDir?: string): Promise<RunningRedis> {
  const persistence = appendOnlyDir
    ? ['--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', appendOnlyDir]
    : ['--appendonly', 'no'];
  const child: ChildProcess = spawn(
    bin,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      ...persistence,
      '--maxmemory-policy',
      'noeviction',
      '--protected-mode',
      'yes',
      '--loglevel',
      'warning',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (b: Buffer) => {
      output += b.toString();
      if (output.includes('Ready to accept connections') || output.includes('ready to accept connections')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) =>
      reject(new RedisUnavailableError(`redis-server exited (${code}): ${output.slice(-500)}`)),
    );
    setTimeout(
      () => reject(new RedisUnavailableError(`redis-server did not start in 10 s: ${output.slice(-500)}`)),
      10_000,
    ).unref();
  });
  // --loglevel warning hides the ready line; probe the port instead.
  const probe = waitForPort(port, 10_000);
  await Promise.race([ready, probe]);
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kind: 'local',
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const { Socket } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once('connect', () => {
        s.write('PING\r\n');
      });
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      s.once('error', () => resolve(false));
      s.connect(port, '127.0.0.1');
    });
    if (ok) return;
    if (Date.now() > deadline) throw new RedisUnavailableError(`redis on port ${port} did not answer PING`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
