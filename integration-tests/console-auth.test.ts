// Issue 14 (operator console) behind authentication (AUTH_API_KEYS=true): without a credential the console is
// refused (401, a sign-in page for the browser), with a key lacking CONSOLE_SCOPE it is 403, with the scope it
// works — by bearer header, and by the sign-in form's HttpOnly SameSite=Strict cookie, in a real browser too; a
// revoked key stops working; a cross-site POST is refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKeyStore, FleetKeys } from '../shared/src/index.ts';
import { launchBrowser } from './harness/browser.ts';
import { startFleet, type Fleet } from './harness/fleet.ts';
import { SseReader, eventually, readJson, sleep } from './harness/http.ts';

let fleet: Fleet;
let store: ApiKeyStore;
const keys: Record<string, string> = {};
const ids: Record<string, string> = {};
const base = () => new URL(fleet.front('a').url).origin;
const bearer = (who: string) => ({ authorization: `Bearer ${keys[who]}` });

before(async () => {
  fleet = await startFleet({
    fronts: 1,
    workers: 1,
    env: {
      CONSOLE_ENABLED: 'true',
      CONSOLE_REFRESH_MS: '200',
      AUTH_API_KEYS: 'true',
      AUTH_API_KEY_CACHE_MS: '300',
    },
  });
  store = new ApiKeyStore(fleet.redisClient('keys'), new FleetKeys(fleet.keyPrefix));
  for (const [who, scopes] of [
    ['user', ['tools']],
    ['admin', ['mcp-fleet:admin', 'tools']],
    ['leaver', ['mcp-fleet:admin']],
  ] as const) {
    const made = await store.create({ subject: who, tenant: 'acme', scopes: [...scopes] });
    keys[who] = made.key;
    ids[who] = made.record.id;
  }
});
after(async () => {
  await fleet?.stop();
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${base()}${path}`, { headers, redirect: 'manual' });
const login = (token: string) =>
  fetch(`${base()}/console/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
    redirect: 'manual',
  });
const errorMessage = async (res: Response) => ((await readJson(res)) as { error: { message: string } }).error.message;

test('without credentials the console is refused: 401, with a sign-in page for browsers', async () => {
  const page = await get('/console');
  assert.equal(page.status, 401);
  assert.match(await page.text(), /<form method="post" action="\/console\/login">/);
  const events = await get('/console/events', { accept: 'text/event-stream' });
  assert.equal(events.status, 401);
  assert.match(await errorMessage(events), /the console needs a credential/);
  const call = await fetch(`${base()}/console/call`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"tool":"echo","arguments":{"text":"x"}}',
  });
  assert.equal(call.status, 401);
  assert.equal((await get('/console', { authorization: 'Bearer mcpf_000000000000_nope' })).status, 401);
});

test('a key without the admin scope gets 403, by header and by the sign-in form', async () => {
  const page = await get('/console', bearer('user'));
  assert.equal(page.status, 403);
  assert.match(await page.text(), /needs the scope mcp-fleet:admin/);
  const events = await get('/console/events', bearer('user'));
  assert.equal(events.status, 403);
  assert.match(await errorMessage(events), /needs the scope mcp-fleet:admin/);
  const form = await login(keys.user!);
  assert.equal(form.status, 403);
  assert.equal(form.headers.get('set-cookie'), null, 'no cookie for a refused key');
});

test('a key with the admin scope works: header, sign-in cookie (HttpOnly, SameSite=Strict), live feed, call panel', async () => {
  assert.equal((await get('/console', bearer('admin'))).status, 200);
  const form = await login(keys.admin!);
  assert.equal(form.status, 303);
  const cookie = form.headers.get('set-cookie') ?? '';
  assert.match(cookie, /^mcpf_console=/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  assert.match(cookie, /Path=\/console/);
  const jar = { cookie: cookie.split(';')[0]! };
  const page = await get('/console', jar);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /admin@acme \(api-key\)/);

  const events = await get('/console/events', { ...jar, accept: 'text/event-stream' });
  assert.equal(events.status, 200);
  assert.match(events.headers.get('content-type') ?? '', /^text\/event-stream/);
  const feed = new SseReader(events);
  const first = await eventually(async () => (await feed.next(5_000))?.event === 'section', 5_000, 'a section');
  assert.ok(first);
  await feed.cancel();

  // The panel's call runs as the signed-in principal, through the ordinary MCP path.
  const call = await fetch(`${base()}/console/call`, {
    method: 'POST',
    headers: { ...jar, 'content-type': 'application/json' },
    body: JSON.stringify({ tool: 'whoami', arguments: {} }),
  });
  assert.equal(call.status, 200);
  assert.match(await call.text(), /admin/);
});

test('a cross-site POST and a form-encoded call are refused', async () => {
  const evil = await fetch(`${base()}/console/call`, {
    method: 'POST',
    headers: { ...bearer('admin'), origin: 'https://evil.example', 'content-type': 'application/json' },
    body: '{"tool":"echo","arguments":{"text":"x"}}',
  });
  assert.equal(evil.status, 403);
  const form = await fetch(`${base()}/console/call`, {
    method: 'POST',
    headers: { ...bearer('admin'), 'content-type': 'text/plain' },
    body: '{"tool":"echo","arguments":{"text":"x"}}',
  });
  assert.equal(form.status, 415);
});

test('a revoked key stops opening the console', async () => {
  assert.equal((await get('/console', bearer('leaver'))).status, 200);
  await store.revoke(ids.leaver!);
  await sleep(400); // AUTH_API_KEY_CACHE_MS
  assert.equal((await get('/console', bearer('leaver'))).status, 401);
});

test('in a browser: sign in with the admin key and see the fleet live', async () => {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const first = await page.goto(`${base()}/console`);
    assert.equal(first?.status(), 401);
    await page.fill('input[name="token"]', keys.admin!);
    await page.click('button[type="submit"]');
    await page.waitForSelector('#live.on', { timeout: 10_000 });
    await page.locator('[data-section="nodes"]', { hasText: 'front-a' }).waitFor({ timeout: 5_000 });
    const cookies = await page.context().cookies();
    const c = cookies.find((x) => x.name === 'mcpf_console');
    assert.ok(c?.httpOnly, 'the console cookie is HttpOnly');
    assert.equal(c?.sameSite, 'Strict');
    assert.equal(await page.evaluate('document.cookie'), '', 'the page script cannot read it');
  } finally {
    await browser.close();
  }
});
