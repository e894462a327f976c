// Issue 14 (operator console), in a real browser: headless Chromium opens the console on front node B while a
// `count` call runs through front node A (separate processes, one Redis): the call's progress bar on B advances and
// its result arrives under "recently finished"; the "call a tool" panel streams progress and the result; a refused
// request on A shows under recent errors on B. Writes the README's screenshot (UPDATE_SCREENSHOTS=1: docs/console.png).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, screenshotPaths } from './harness/browser.ts';
import { startFleet, type Fleet } from './harness/fleet.ts';
import { SseReader, eventually, frameMessage, openSession, post, rpcRequest } from './harness/http.ts';

let fleet: Fleet;
let browser: Browser;
let page: Page;
const origin = (alias: string) => new URL(fleet.front(alias).url).origin;

before(async () => {
  fleet = await startFleet({
    fronts: 2,
    workers: 1,
    env: { CONSOLE_ENABLED: 'true', CONSOLE_REFRESH_MS: '150', CATALOG_HEARTBEAT_MS: '1000' },
  });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
});
after(async () => {
  await browser?.close();
  await fleet?.stop();
});

/** The value of the in-flight `count` call's progress bar on the page, if it shows one. */
async function countProgress(): Promise<{ value: number; max: number } | undefined> {
  const bar = page.locator('[data-section="calls"] tr:has(td[data-tool="count"]) progress');
  if ((await bar.count()) === 0) return undefined;
  const [value, max] = await Promise.all([bar.getAttribute('value'), bar.getAttribute('max')]);
  return { value: Number(value), max: Number(max) };
}
/** Waits until a section of the page shows `text`. */
const sectionShows = (section: string, text: string, timeout = 5_000) =>
  page.locator(`[data-section="${section}"]`, { hasText: text }).waitFor({ timeout });

test('the console on node B shows a count call running through node A advance and finish', async () => {
  await page.goto(`${origin('b')}/console`);
  await page.waitForSelector('#live.on', { timeout: 10_000 });
  // Both front nodes' heartbeats and the worker are listed, whichever node serves the page.
  await sectionShows('nodes', 'front-a');
  await sectionShows('nodes', 'front-b');
  assert.match((await page.textContent('[data-section="workers"]')) ?? '', /worker-1.*count/s);
  assert.match((await page.textContent('header')) ?? '', /served by front-b/);

  const session = await openSession(fleet.front('a').url);
  const res = await post(
    fleet.front('a').url,
    rpcRequest('tools/call', { name: 'count', arguments: { to: 12, intervalMs: 250 }, _meta: { progressToken: 'p' } }),
    session.headers,
  );
  assert.equal(res.status, 200);
  const reader = new SseReader(res);
  const answer = (async () => {
    for (;;) {
      const f = await reader.next(15_000);
      const m = f && frameMessage(f);
      if (!f) throw new Error('the call ended without a response');
      if (m && 'result' in m) return m.result as { content: { text: string }[] };
    }
  })();

  // Watch the progress bar on B while A serves the call.
  const seen: number[] = [];
  let shot = false;
  await eventually(
    async () => {
      const p = await countProgress();
      if (p && p.value !== seen.at(-1)) seen.push(p.value);
      if (p && seen.length >= 3 && !shot) {
        shot = true;
        for (const path of screenshotPaths('console.png')) await page.screenshot({ path, fullPage: false });
      }
      return seen.length >= 4;
    },
    10_000,
    'the progress bar on node B moved through 4 values',
  );
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `progress only grows: ${seen}`);
  const row = await page.textContent('[data-section="calls"] tbody');
  assert.match(row ?? '', /count.*running.*anon.*worker-1/s);

  const result = await answer;
  assert.equal(result.content[0]!.text, 'counted to 12');
  // The result reaches B's console from Redis: the call left the in-flight list and shows as finished.
  await sectionShows('finished', 'counted to 12');
  assert.equal(await countProgress(), undefined);
});

test('the call panel on node B streams progress and the result of a call', async () => {
  await page.selectOption('#call-form select[name="tool"]', 'count');
  await page.fill('#call-form textarea[name="arguments"]', '{"to": 6, "intervalMs": 200}');
  await page.click('#call-form button[type="submit"]');
  const values: number[] = [];
  await eventually(
    async () => {
      const value = Number(await page.getAttribute('#call-progress', 'value'));
      if (value !== values.at(-1)) values.push(value);
      return (await page.textContent('#call-status')) === 'done';
    },
    10_000,
    'the panel says done',
  );
  assert.ok(values.length >= 3, `the panel's bar moved: ${values}`);
  assert.match((await page.textContent('#call-output')) ?? '', /counted to 6/);
  // The panel's call went the ordinary way, so it is listed as finished too.
  await sectionShows('finished', 'counted to 6');
});

test('a refused request on node A shows under recent errors on node B', async () => {
  const res = await post(fleet.front('a').url, rpcRequest('ping'), { origin: 'http://evil.example' });
  assert.equal(res.status, 403);
  await sectionShows('incidents', 'ORIGIN_FORBIDDEN');
  const text = (await page.textContent('[data-section="incidents"]')) ?? '';
  assert.match(text, /front-a.*denied.*ORIGIN_FORBIDDEN.*403.*POST \/mcp/s);
});
