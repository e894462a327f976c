// haproxy for tests that put a real load balancer in front of the fleet (conformance, the compose topology):
// found on the PATH, or installed with apt when missing (as .ci/run does for redis-server).
import { spawnSync } from 'node:child_process';

export function ensureHaproxy(): string {
  const have = spawnSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' }).stdout.trim();
  if (have) return have;
  console.error('installing haproxy (apt-get)…');
  const r = spawnSync(
    'sh',
    ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy'],
    { stdio: 'inherit' },
  );
  const path = spawnSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' }).stdout.trim();
  if (r.status !== 0 || !path)
    throw new Error('haproxy is missing and could not be installed: apt-get install haproxy');
  return path;
}
