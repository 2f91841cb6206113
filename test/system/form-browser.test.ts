/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, STRONG_PASSWORD, type TestGateway } from '../fixtures.js';
import { freePort } from '../helpers/ports.js';
import { launchChromium, pageProblems } from '../helpers/chromium.js';

let gw: TestGateway;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;

beforeAll(async () => {
  const port = await freePort();
  gw = await startGateway({
    PORT: String(port),
    VERIFY_REDIRECT_URL: `http://127.0.0.1:${port}/form`,
    EXTERNAL_URL: `http://127.0.0.1:${port}`,
    LOGIN_ACCOUNT_MAX_FAILURES: '3',
    TRUSTED_PROXIES: 'loopback',
  });
  browser = await launchChromium();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await gw?.close();
});

async function resultAfter(click: () => Promise<void>): Promise<{ status: string; text: string }> {
  await page.evaluate(() => {
    const result = document.getElementById('result');
    if (result) result.dataset.status = '';
  });
  await click();
  await page.waitForFunction(() => {
    const status = document.getElementById('result')?.dataset.status;
    return status !== '' && status !== 'pending';
  });
  return page.evaluate(() => {
    const result = document.getElementById('result') as HTMLElement;
    return { status: result.dataset.status ?? '', text: result.textContent ?? '' };
  });
}

describe('/form in a real browser', () => {
  it('signup → mail link → form with the token → password → tokens shown → current user', async () => {
    const errors = pageProblems(page);

    await page.goto(`${gw.url}/form?action=signup`);
    await page.fill('#primary input[name="email"]', 'browser@example.com');
    const signup = await resultAfter(() => page.click('#primary button[type="submit"]'));
    expect(signup.status).toBe('200');

    const mail = await gw.mail.next('browser@example.com');
    expect(mail.link).toBeDefined();
    await page.goto(mail.link as string);
    const token = new URL(mail.link as string).searchParams.get('token');
    expect(await page.inputValue('#primary input[name="token"]')).toBe(token);
    await page.fill('#primary input[name="password"]', STRONG_PASSWORD);
    const verify = await resultAfter(() => page.click('#primary button[type="submit"]'));
    expect(verify.status).toBe('200');
    expect(verify.text).toContain('"access_token"');
    expect(verify.text).toContain('browser@example.com');
    const access = await page.inputValue('#access-token');
    expect(access.split('.')).toHaveLength(3);

    await page.click('details:has(form[data-endpoint="/user"]) summary');
    const me = await resultAfter(() => page.click('form[data-endpoint="/user"] button[type="submit"]'));
    expect(me.status).toBe('200');
    expect(me.text).toContain('"email": "browser@example.com"');

    if (process.env.FORM_SCREENSHOT) await page.screenshot({ path: process.env.FORM_SCREENSHOT, fullPage: true });
    expect(errors).toEqual([]);
  });

  it('shows a refusal as the JSON error', async () => {
    await page.goto(`${gw.url}/form?action=token`);
    await page.fill('#primary input[name="email"]', 'browser@example.com');
    await page.fill('#primary input[name="password"]', 'Wrong-Pass-1');
    const login = await resultAfter(() => page.click('#primary button[type="submit"]'));
    expect(login.status).toBe('401');
    expect(login.text).toContain('invalid_credentials');
  });

  it("keeps a sign-in's device token, which signs it in while guesses from elsewhere hold the account at its ceiling", async () => {
    const signIn = async () => {
      await page.goto(`${gw.url}/form?action=token`);
      await page.fill('#primary input[name="email"]', 'browser@example.com');
      await page.fill('#primary input[name="password"]', STRONG_PASSWORD);
      return resultAfter(() => page.click('#primary button[type="submit"]'));
    };
    expect((await signIn()).status).toBe('200');
    expect(await page.evaluate(() => localStorage.getItem('authura_device_token'))).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    // Guesses from other addresses until the account is at its ceiling.
    const statuses: number[] = [];
    for (let i = 0; i < 5 && !statuses.includes(429); i++) {
      const guess = await gw.call('/token', { json: { email: 'browser@example.com', password: 'Wrong-Pass-1!' }, headers: { 'X-Forwarded-For': `203.0.113.${i}` } });
      statuses.push(guess.status);
    }
    expect(statuses).toContain(429);
    expect((await gw.call('/token', { json: { email: 'browser@example.com', password: STRONG_PASSWORD }, headers: { 'X-Forwarded-For': '203.0.113.99' } })).status).toBe(429);
    expect((await signIn()).status).toBe('200');
    await page.evaluate(() => localStorage.removeItem('authura_device_token'));
    expect((await signIn()).status).toBe('429');
  });
});

describe('/form after an OAuth sign-in', () => {
  it('picks the tokens out of the fragment, shows them, and drops them from the address bar', async () => {
    const { startOAuthProvider } = await import('../fakes.js');
    const google = await startOAuthProvider('google', { id: 'g', secret: 's' });
    const port = await freePort();
    const oauth = await startGateway({
      PORT: String(port),
      VERIFY_REDIRECT_URL: `http://127.0.0.1:${port}/form`,
      EXTERNAL_URL: `http://127.0.0.1:${port}`,
      OAUTH_PROVIDERS: 'google',
      ...google.env,
    });
    try {
      await page.goto(`${oauth.url}/form`, { timeout: 5000 });
      // The browser follows the start link; the provider's consent page is where we step in.
      const [request] = await Promise.all([
        page.waitForRequest((r) => r.url().startsWith(`${google.url}/o/oauth2/v2/auth`), { timeout: 5000 }),
        page.click('a.oauth[data-provider="google"]', { timeout: 5000 }),
      ]);
      const authorizationUrl = new URL(request.url());
      const code = google.consent(authorizationUrl, { email: 'oauth-browser@example.com', verified: true });
      await page.goto(`${oauth.url}/oauth/google/callback?code=${code}&state=${authorizationUrl.searchParams.get('state')}`, { timeout: 5000 });
      await page
        .waitForFunction(() => document.getElementById('result')?.dataset.status === 'signed in', undefined, { timeout: 5000 })
        .catch(async (error: unknown) => {
          throw new Error(`not signed in at ${page.url()}: ${(await page.textContent('#result')) ?? (await page.content()).slice(0, 500)}`, { cause: error });
        });
      expect(new URL(page.url()).hash).toBe('');
      expect((await page.inputValue('#access-token')).split('.')).toHaveLength(3);
      await page.click('details:has(form[data-endpoint="/user"]) summary');
      const me = await resultAfter(() => page.click('form[data-endpoint="/user"] button[type="submit"]'));
      expect(me.text).toContain('oauth-browser@example.com');
    } finally {
      await oauth.close();
      await google.close();
    }
  });

  it('ignores tokens in a fragment it did not ask for (a link someone else made)', async () => {
    for (const forged of [
      `${gw.url}/form#access_token=forged.access.token&refresh_token=forged&token_type=Bearer&expires_in=300`,
      `${gw.url}/form?oauth_nonce=guessed#access_token=forged.access.token&refresh_token=forged&token_type=Bearer&expires_in=300`,
    ]) {
      await page.goto(forged);
      await page.waitForFunction(() => document.getElementById('result')?.dataset.status === 'ignored');
      expect(await page.inputValue('#access-token')).toBe('');
      expect(await page.inputValue('#refresh-token')).toBe('');
      expect(await page.textContent('#result')).toContain('oauth_not_started_here');
      expect(new URL(page.url()).hash).toBe('');
      expect(new URL(page.url()).searchParams.has('oauth_nonce')).toBe(false);
    }
  });
});
