// A real headless browser for the console tests: Debian's Chromium (installed with apt when missing and this is
// root with apt-get, as .ci/run does for redis-server), driven by playwright-core (no browser download).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { repoRoot } from './process.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  const root = process.getuid?.() === 0;
  if (!root || !existsSync('/usr/bin/apt-get')) {
    throw new Error(`no Chromium at ${CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'ignore', env });
}

export async function launchBrowser(): Promise<Browser> {
  ensureChromium();
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** Where a test's screenshots go: .tmp/ always; docs/ too when UPDATE_SCREENSHOTS=1 (the README's picture). */
export function screenshotPaths(name: string): string[] {
  const tmp = join(repoRoot, '.tmp');
  mkdirSync(tmp, { recursive: true });
  const out = [join(tmp, name)];
  if (process.env.UPDATE_SCREENSHOTS === '1') out.push(join(repoRoot, 'docs', name));
  return out;
}
