/// <reference lib="dom" />
// The typed client in headless Chromium, and examples/spa (the single-page app that uses it with
// cookie delivery), against running gateways on another origin of the same site (localhost).
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { Secret, TOTP } from 'otpauth';
import type { Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ListeningGateway, movableClock, STRONG_PASSWORD, startGateway, tokenOf, watchOutput } from '../fixtures.js';
import { launchChromium, pageProblems } from '../helpers/chromium.js';
import { buildClient } from '../helpers/client-build.js';
import { freePort } from '../helpers/ports.js';

type ClientModule = typeof import('../../client/src/index.js');
type Client = import('../../client/src/index.js').AuthuraClient;
declare global {
  // The client a test made in the page (the harness page only; the example app keeps its own).
  var authura: Client;
  var clientModule: ClientModule;
}

const clock = movableClock();
/** Waits for a page or the gateway to reach a state (a busy machine may take its time). */
const eventually = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000, interval: 50 });
let cookieGw: ListeningGateway;
let jsonGw: ListeningGateway;
let cookieUrl: string;
let jsonUrl: string;
let spaOrigin: string;
let spa: ChildProcess;
let jsonApp: ChildProcess;
let jsonAppOrigin: string;
let clientDir: string;
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  clientDir = buildClient();
  const [cookiePort, jsonPort, spaPort, jsonAppPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  spaOrigin = `http://localhost:${spaPort}`;
  jsonAppOrigin = `http://localhost:${jsonAppPort}`;
  cookieUrl = `http://localhost:${cookiePort}`;
  jsonUrl = `http://localhost:${jsonPort}`;
  [cookieGw, jsonGw] = await Promise.all([
    startGateway(
      { PORT: String(cookiePort), EXTERNAL_URL: cookieUrl, TOKEN_DELIVERY: 'cookie', ALLOWED_ORIGINS: spaOrigin, MFA_ENABLED: 'true', MFA_ENCRYPTION_KEY: Buffer.alloc(32, 5).toString('base64') },
      { clock },
    ),
    startGateway({ PORT: String(jsonPort), EXTERNAL_URL: jsonUrl, ALLOWED_ORIGINS: jsonAppOrigin, MULTI_TENANT_ENABLED: 'true' }),
  ]);
  // The example's own server, as its README runs it (a second one in front of the JSON gateway:
  // the page's policy lets it talk to its own gateway only).
  const serve = (port: number, gateway: string) =>
    spawn(process.execPath, ['examples/spa/serve.mjs'], {
      env: { PATH: process.env.PATH, PORT: String(port), GATEWAY_URL: gateway, CLIENT_DIST: clientDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  spa = serve(spaPort, cookieUrl);
  jsonApp = serve(jsonAppPort, jsonUrl);
  await Promise.all([watchOutput(spa).until('example app on'), watchOutput(jsonApp).until('example app on')]);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  spa?.kill();
  jsonApp?.kill();
  await Promise.all([cookieGw?.close(), jsonGw?.close()]);
  if (clientDir) rmSync(clientDir, { recursive: true, force: true });
});

/** Signs `email` up on the cookie gateway (from Node); answers its access token (from the cookie). */
async function cookieAccount(email: string): Promise<string> {
  expect((await cookieGw.call('/signup', { json: { email } })).status).toBe(200);
  const token = tokenOf((await cookieGw.mail.next(email)).link);
  const verify = await cookieGw.call('/verify-email', { json: { token, password: STRONG_PASSWORD } });
  const access = /authura_access_token=([^;]+)/.exec(verify.headers.get('set-cookie') ?? '')?.[1];
  if (!access) throw new Error('no access cookie');
  return access;
}

/** A page of the example app's origin with the built client loaded as `authura` (a harness: not the app). */
async function harness(options: Record<string, unknown>, origin = spaOrigin): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${origin}/config.json`);
  // A string, so the test runner does not rewrite the page's import().
  await page.evaluate("import('/authura-client/index.js').then((module) => { globalThis.clientModule = module; })");
  await page.evaluate((options) => {
    const { createAuthuraClient } = globalThis.clientModule;
    globalThis.authura = createAuthuraClient(options as unknown as Parameters<typeof createAuthuraClient>[0]);
  }, options);
  return page;
}

describe('the client in Chromium', () => {
  it('JSON delivery with a tenant: signs up, keeps the tokens, reads the user; refusals are AuthuraError values with the gateway codes', async () => {
    const page = await harness({ baseUrl: jsonUrl, tenant: 'acme' }, jsonAppOrigin);
    expect(await page.evaluate(() => globalThis.authura.signup({ email: 'chromium-client@example.com' }))).toEqual({});
    const token = tokenOf((await jsonGw.mail.next('chromium-client@example.com')).link);
    const seen = await page.evaluate(async ({ token, password }) => {
      const { authura } = globalThis;
      await authura.verifyEmail({ token, password });
      const { user } = await authura.user();
      const codes: string[] = [];
      const { AuthuraError } = globalThis.clientModule;
      for (const attempt of [
        authura.token({ email: 'chromium-client@example.com', password: 'wrong-password' }),
        authura.token({ email: 'chromium-client@example.com', password }, { tenant: 'globex' }),
        authura.signup({ email: 'not an address' }),
      ]) {
        await attempt.catch((error: unknown) => codes.push(error instanceof AuthuraError ? `${error.code} ${error.status}` : String(error)));
      }
      const before = authura.session.state?.accessToken;
      await authura.refresh();
      const refreshed = authura.session.state?.accessToken !== before;
      await authura.logout();
      return { user, codes, refreshed, after: authura.session.state };
    }, { token, password: STRONG_PASSWORD });
    expect(seen.user).toMatchObject({ email: 'chromium-client@example.com', tenant_id: 'acme' });
    expect(seen.codes).toEqual(['invalid_credentials 401', 'invalid_credentials 401', 'validation_failed 400']);
    expect(seen.refreshed).toBe(true);
    expect(seen.after).toBeNull();
    await page.close();
  });

  describe('cookie delivery across tabs (one session in cookies)', () => {
    let tabs: Page[];
    const held: Route[] = [];
    let refreshes = 0;
    beforeAll(async () => {
      await cookieAccount('tabs@example.com');
      await browser.context.route(`${cookieUrl}/refresh`, async (route) => {
        if (route.request().method() !== 'POST') return route.continue();
        refreshes += 1;
        held.push(route);
      });
    });
    afterAll(async () => {
      await browser.context.unroute(`${cookieUrl}/refresh`);
      for (const tab of tabs ?? []) await tab.close();
    });
    const release = async () => {
      for (const route of held.splice(0)) await route.continue();
    };

    /** Two tabs, each with a client (cookie delivery: the session's expiry in localStorage), one signed in. */
    async function twoTabs(locks: 'web' | 'none') {
      for (const tab of tabs ?? []) await tab.close();
      const options = { baseUrl: cookieUrl, delivery: 'cookie', autoRefresh: false, ...(locks === 'none' ? { locks: null } : {}) };
      tabs = [await harness(options), await harness(options)];
      await tabs[0]?.evaluate((password) => globalThis.authura.token({ email: 'tabs@example.com', password }), STRONG_PASSWORD);
      await eventually(() => tabs[1]?.evaluate(() => globalThis.authura.session.state?.expiresAt)).toBeTypeOf('number');
      refreshes = 0;
      return tabs as [Page, Page];
    }

    it('two tabs refreshing at once: one refresh reaches the gateway (Web Locks); the other tab takes its session', async () => {
      const [one, two] = await twoTabs('web');
      const first = one.evaluate(() => globalThis.authura.refresh().then((t) => t.expires_in));
      await eventually(() => held.length).toBe(1);
      const second = two.evaluate(() => globalThis.authura.refresh().then((t) => t.expires_in));
      // The second tab waits for the lock the first holds.
      await eventually(() => two.evaluate(async () => (await navigator.locks.query()).pending?.length ?? 0)).toBe(1);
      await release();
      expect(await Promise.all([first, second])).toEqual([300, expect.any(Number)]);
      expect(refreshes).toBe(1);
      const states = await Promise.all([one, two].map((tab) => tab.evaluate(() => globalThis.authura.session.state)));
      expect(states[1]).toEqual(states[0]);
      expect((await one.evaluate(() => globalThis.authura.user())).user.email).toBe('tabs@example.com');
    });

    it('without the lock (locks: null) each tab refreshes: the gateway sees two (what the lock spares it)', async () => {
      const [one, two] = await twoTabs('none');
      const first = one.evaluate(() => globalThis.authura.refresh().then((t) => t.expires_in));
      const second = two.evaluate(() => globalThis.authura.refresh().then((t) => t.expires_in));
      await eventually(() => held.length).toBe(2);
      await release();
      await Promise.all([first, second]);
      expect(refreshes).toBe(2);
    });

    it('a refresh in one tab reaches the other through BroadcastChannel; so does a logout', async () => {
      const [one, two] = await twoTabs('web');
      await two.evaluate(() => {
        (globalThis as unknown as { heard: unknown[] }).heard = [];
        globalThis.authura.session.onChange((state) => (globalThis as unknown as { heard: unknown[] }).heard.push(state));
      });
      const refreshed = one.evaluate(() => globalThis.authura.refresh());
      await eventually(() => held.length).toBe(1);
      await release();
      await refreshed;
      const state = await one.evaluate(() => globalThis.authura.session.state);
      await eventually(() => two.evaluate(() => (globalThis as unknown as { heard: unknown[] }).heard)).toEqual([state]);
      await one.evaluate(() => globalThis.authura.logout());
      await eventually(() => two.evaluate(() => (globalThis as unknown as { heard: unknown[] }).heard)).toEqual([state, null]);
      expect(refreshes).toBe(1);
    });
  });
});

describe('examples/spa: the single-page app with cookie delivery', () => {
  const problems: string[][] = [];
  /** The example app in a new tab; its script errors and CSP violations are collected. */
  async function appPage(): Promise<Page> {
    const page = await browser.context.newPage();
    // The gateway's refusals (401 signed out, 403 mfa_required, …) are answers the app handles;
    // a script error or a blocked load is not.
    problems.push(pageProblems(page, /the server responded with a status of 4\d\d/));
    await page.goto(spaOrigin);
    return page;
  }
  afterAll(() => expect(problems.flat()).toEqual([]));

  it('signs in (a wrong password shows the gateway message), stays signed in over a reload, and a sign-out reaches every tab', async () => {
    await cookieAccount('spa@example.com');
    const page = await appPage();
    await eventually(() => page.textContent('#status')).toBe('Signed out');
    await page.fill('#sign-in [name=email]', 'spa@example.com');
    await page.fill('#sign-in [name=password]', 'Wrong-Horse-1');
    await page.click('#sign-in button');
    await eventually(() => page.getAttribute('#error', 'data-code')).toBe('invalid_credentials');
    await page.fill('#sign-in [name=password]', STRONG_PASSWORD);
    await page.click('#sign-in button');
    await eventually(() => page.textContent('#email')).toBe('spa@example.com');

    // The tokens are in the gateway's HttpOnly cookies: the app's scripts and storage hold none.
    const cookies = await browser.context.cookies(cookieUrl);
    expect(cookies.filter((c) => c.name.startsWith('authura_')).every((c) => c.httpOnly)).toBe(true);
    expect(cookies.map((c) => c.name)).toContain('authura_refresh_token');
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage }))).not.toMatch(/eyJ/);

    await page.reload();
    await eventually(() => page.textContent('#status')).toBe('Signed in');
    const other = await appPage();
    await eventually(() => other.textContent('#email')).toBe('spa@example.com');

    await page.click('#sign-out');
    await eventually(() => page.textContent('#status')).toBe('Signed out');
    await eventually(() => other.textContent('#status')).toBe('Signed out');
    expect((await browser.context.cookies(cookieUrl)).map((c) => c.name)).not.toContain('authura_refresh_token');
    await other.close();
    await page.close();
  });

  it("its server serves the app and the built client only: not itself, nothing outside its folders", async () => {
    for (const path of ['/', '/app.js', '/authura-client/index.js']) expect((await fetch(`${spaOrigin}${path}`)).status, path).toBe(200);
    for (const path of ['/serve.mjs', '/%2e%2e/%2e%2e/package.json', '/authura-client/%2e%2e/package.json', '/authura-client/index.d.ts', '/..%2fREADME.md']) {
      expect((await fetch(`${spaOrigin}${path}`)).status, path).toBe(404);
    }
  });

  it('a user with a second factor: mfa_required turns into the code form, and the code signs in', async () => {
    const access = await cookieAccount('spa-mfa@example.com');
    const enrol = await cookieGw.call('/mfa/totp/enroll', { method: 'POST', json: {}, bearer: access });
    const { secret } = (await enrol.json()) as { secret: string };
    const code = () => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: clock.now() });
    expect((await cookieGw.call('/mfa/totp/confirm', { method: 'POST', json: { code: code() }, bearer: access })).status).toBe(200);
    clock.advance(30_000);

    const page = await appPage();
    await eventually(() => page.textContent('#status')).toBe('Signed out');
    await page.fill('#sign-in [name=email]', 'spa-mfa@example.com');
    await page.fill('#sign-in [name=password]', STRONG_PASSWORD);
    await page.click('#sign-in button');
    await eventually(() => page.textContent('#status')).toBe('A second factor is needed');
    await page.fill('#second-factor [name=code]', code());
    await page.click('#second-factor button');
    await eventually(() => page.textContent('#email')).toBe('spa-mfa@example.com');
    await page.close();
  });
});
