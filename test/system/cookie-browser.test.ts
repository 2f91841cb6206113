/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, startGateway, STRONG_PASSWORD, type TestGateway } from '../fixtures.js';
import { freePort } from '../helpers/ports.js';
import { launchChromium } from '../helpers/chromium.js';

let gw: TestGateway;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;

beforeAll(async () => {
  const port = await freePort();
  // Cookie-only delivery: the page's script never sees a token.
  gw = await startGateway({ PORT: String(port), EXTERNAL_URL: `http://127.0.0.1:${port}`, TOKEN_DELIVERY: 'cookie' });
  await signUp(gw, 'jar@example.com');
  browser = await launchChromium();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await gw?.close();
});

/** A fetch from the page, as an app's script would make it (same origin: cookies go along). */
function call(path: string, init: { method?: string; json?: unknown } = {}): Promise<{ status: number; body: unknown }> {
  return page.evaluate(
    async ({ path, init }) => {
      const response = await fetch(path, {
        method: init.method ?? (init.json === undefined ? 'GET' : 'POST'),
        headers: init.json === undefined ? {} : { 'content-type': 'application/json' },
        body: init.json === undefined ? undefined : JSON.stringify(init.json),
      });
      return { status: response.status, body: await response.json() };
    },
    { path, init },
  );
}

describe('cookie delivery in a real browser', () => {
  it('login stores HttpOnly cookies the script cannot read; /user, /refresh and /logout work from them alone', async () => {
    // The gateway's own page (JSON answers carry a CSP that forbids any fetch).
    await page.goto(`${gw.url}/form`);
    expect(await call('/user')).toMatchObject({ status: 401 });

    const login = await call('/token', { json: { email: 'jar@example.com', password: STRONG_PASSWORD } });
    expect(login).toEqual({ status: 200, body: { token_type: 'Bearer', expires_in: 300 } });
    // HttpOnly: invisible to the page, yet stored by the browser with the flags we set.
    expect(await page.evaluate(() => document.cookie)).toBe('');
    const stored = await browser.context.cookies(gw.url);
    expect(stored.map((c) => [c.name, c.httpOnly, c.secure, c.sameSite]).sort()).toEqual([
      ['authura_access_token', true, true, 'Lax'],
      ['authura_refresh_token', true, true, 'Strict'],
    ]);

    expect(await call('/user')).toMatchObject({ status: 200, body: { user: { email: 'jar@example.com' } } });
    const before = stored.find((c) => c.name === 'authura_refresh_token')?.value;
    expect(await call('/refresh', { method: 'POST' })).toMatchObject({ status: 200 });
    const rotated = (await browser.context.cookies(gw.url)).find((c) => c.name === 'authura_refresh_token')?.value;
    expect(rotated).toBeDefined();
    expect(rotated).not.toBe(before);

    expect(await call('/logout', { method: 'POST' })).toEqual({ status: 200, body: { refresh_tokens_revoked: true } });
    expect(await browser.context.cookies(gw.url)).toEqual([]);
    expect(await call('/user')).toMatchObject({ status: 401 });
    // The refresh token the browser held before logout is dead on any device.
    const replay = await fetch(`${gw.url}/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: rotated }) });
    expect(replay.status).toBe(401);
  });
});
