/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeServer } from '../fakes.js';
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
      ['authura_device', true, true, 'Strict'],
      ['authura_refresh_token', true, true, 'Strict'],
    ]);

    expect(await call('/user')).toMatchObject({ status: 200, body: { user: { email: 'jar@example.com' } } });
    const before = stored.find((c) => c.name === 'authura_refresh_token')?.value;
    expect(await call('/refresh', { method: 'POST' })).toMatchObject({ status: 200 });
    const rotated = (await browser.context.cookies(gw.url)).find((c) => c.name === 'authura_refresh_token')?.value;
    expect(rotated).toBeDefined();
    expect(rotated).not.toBe(before);

    expect(await call('/logout', { method: 'POST' })).toEqual({ status: 200, body: { refresh_tokens_revoked: true } });
    // The session's cookies are gone; the device cookie stays: this browser did sign in before.
    expect((await browser.context.cookies(gw.url)).map((c) => c.name)).toEqual(['authura_device']);
    expect(await call('/user')).toMatchObject({ status: 401 });
    // The refresh token the browser held before logout is dead on any device.
    const replay = await fetch(`${gw.url}/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: rotated }) });
    expect(replay.status).toBe(401);
  });

  it('a page of another site cannot log the visitor in as someone else (login CSRF), nor refresh or log them out', async () => {
    await signUp(gw, 'attacker@example.com', 'Attacker-Pass-1!');
    // The attacker's page, on another site (localhost is not 127.0.0.1's site): it posts forms
    // to the gateway on load, as a link in a mail could make any visitor's browser do.
    const forms: Record<string, string> = {
      token: `<form method="post" action="${gw.url}/token"><input name="email" value="attacker@example.com"><input name="password" value="Attacker-Pass-1!"></form>`,
      refresh: `<form method="post" action="${gw.url}/refresh"></form>`,
      logout: `<form method="post" action="${gw.url}/logout"></form>`,
    };
    const attacker = await startFakeServer(
      Object.fromEntries(
        Object.entries(forms).map(([name, form]) => [
          `GET /${name}`,
          (_call: unknown, res: import('node:http').ServerResponse) =>
            void res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><body>${form}<script>document.forms[0].submit()</script></body>`),
        ]),
      ),
    );
    try {
      await page.goto(`${gw.url}/form`);
      expect((await call('/token', { json: { email: 'jar@example.com', password: STRONG_PASSWORD } })).status).toBe(200);
      const before = await browser.context.cookies(gw.url);
      for (const name of Object.keys(forms)) {
        const answered = page.waitForResponse((response) => response.url().startsWith(`${gw.url}/${name}`));
        await page.goto(`${attacker.url.replace('127.0.0.1', 'localhost')}/${name}`);
        const response = await answered;
        expect(response.status(), name).toBe(403);
        expect(await response.json()).toMatchObject({ error: 'cross_site_request' });
      }
      // The visitor is still themself, with the very cookies they had.
      expect(await browser.context.cookies(gw.url)).toEqual(before);
      await page.goto(`${gw.url}/form`);
      expect(await call('/user')).toMatchObject({ status: 200, body: { user: { email: 'jar@example.com' } } });
    } finally {
      await attacker.close();
    }
  });

  it('a cookie-only app changes the password with a JSON call (its own page: same origin)', async () => {
    await page.goto(`${gw.url}/form`);
    expect((await call('/token', { json: { email: 'jar@example.com', password: STRONG_PASSWORD } })).status).toBe(200);
    const change = await call('/change-password', { json: { old_password: STRONG_PASSWORD, new_password: 'Jar-Pass-Two-2' } });
    // The session goes on in new cookies (the body, cookie-only, says no more than their kind and lifetime).
    expect(change).toEqual({ status: 200, body: { token_type: 'Bearer', expires_in: 300 } });
    expect(await call('/user')).toMatchObject({ status: 200, body: { user: { email: 'jar@example.com' } } });
    expect((await call('/refresh', { method: 'POST' })).status).toBe(200);
    expect((await call('/token', { json: { email: 'jar@example.com', password: 'Jar-Pass-Two-2' } })).status).toBe(200);
  });
});
