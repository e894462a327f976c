// Runs before `npm start` and `npm test`: on a fresh clone (no node_modules yet) it installs the locked
// dependencies, so the README's quick start is two commands. Plain Node, no dependencies of its own.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

if (!existsSync(new URL('../node_modules/.package-lock.json', import.meta.url))) {
  // npm ci: exactly the committed lock.
  console.error('mcp-fleet: installing dependencies (npm ci)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], {
    stdio: 'inherit',
    cwd: new URL('..', import.meta.url),
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
