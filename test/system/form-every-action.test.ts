/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ListeningGateway, startGateway } from '../fixtures.js';
import { launchChromium, pageProblems } from '../helpers/chromium.js';
import { formSubmitter } from '../helpers/form-page.js';
import { freePort } from '../helpers/ports.js';

const ADMIN = { email: 'root@example.com', password: 'Admin-Pass-123!' };

/**
 * Every action /form offers, driven in Chromium as a developer would — mailed links followed from a
 * real SMTP server — once with tokens in JSON (multi-tenant: the links carry their tenant) and once
 * with cookies only.
 */
describe.each<{ delivery: string; env: Record<string, string>; tenant: string | undefined }>([
  { delivery: 'json', env: { MULTI_TENANT_ENABLED: 'true', INITIAL_USER_TENANT_ID: 'acme' }, tenant: 'acme' },
  { delivery: 'cookie', env: { TOKEN_DELIVERY: 'cookie', COOKIE_SECURE: 'false' }, tenant: undefined },
])('every /form action, tokens in $delivery', ({ delivery, env, tenant }) => {
  let gw: ListeningGateway;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let problems: string[] = [];
  beforeAll(async () => {
    const port = await freePort();
    const self = `http://127.0.0.1:${port}`;
    gw = await startGateway({
      PORT: String(port),
      EXTERNAL_URL: self,
      VERIFY_REDIRECT_URL: `${self}/form`,
      INITIAL_USER_EMAIL: ADMIN.email,
      INITIAL_USER_PASSWORD: ADMIN.password,
      PASSWORDLESS_ENABLED: 'true',
      ...env,
    });
    browser = await launchChromium();
    page = browser.page;
    // Refusals the page shows on purpose are not its errors; anything else is.
    problems = pageProblems(page, /status of (401|403|409)/);
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  /** Opens /form on `action` (or a mailed link), with the tenant when the gateway has tenants. */
  const open = async (target: string) => {
    const url = new URL(target.startsWith('http') ? target : `${gw.url}/form?action=${target}`);
    if (tenant !== undefined && !url.searchParams.has('tenant')) url.searchParams.set('tenant', tenant);
    await page.goto(url.toString());
  };
  /** Fills a form (the primary one, or one under "Other actions" by its endpoint) and submits it. */
  const submit = (form: string, values: Record<string, string> = {}) => formSubmitter(page)(form, values);
  const link = async (to: string, subject: string) => (await gw.mail.next(to, subject)).link as string;

  it('sign up, follow the link, use the session, change password and email (and back), reset, log in, log out, invite', async () => {
    const user = `${delivery}@example.com`;
    await open('signup');
    expect(await submit('primary', { email: user })).toMatchObject({ status: '200', body: {} });
    await open(await link(user, 'Confirm your email address'));
    if (tenant !== undefined) expect(await page.inputValue('#tenant')).toBe(tenant); // the link names it
    expect(await submit('primary', { password: 'First-Pass-1!' })).toMatchObject({ status: '200', body: { user: { email: user } } });

    expect(await submit('/user')).toMatchObject({ status: '200', body: { user: { email: user } } });
    // Refresh with its field left empty: the token the page holds, or the refresh cookie.
    expect((await submit('/refresh')).status).toBe('200');
    expect(await submit('/change-password', { old_password: 'First-Pass-1!', new_password: 'Second-Pass-2!' })).toMatchObject({ status: '200', body: { token_type: 'Bearer' } });
    expect(await submit('/user')).toMatchObject({ status: '200' }); // the session goes on with its new tokens

    const moved = `${delivery}-moved@example.com`;
    expect(await submit('/change-email', { email: moved, password: 'Second-Pass-2!' })).toMatchObject({ status: '200', body: {} });
    await gw.mail.next(user, 'Your password was changed');
    await open(await link(moved, 'Confirm your new email address'));
    expect(await submit('primary')).toMatchObject({ status: '200', body: { user: { email: moved } } });
    await open(await link(user, 'The email address of your account was changed'));
    expect(await submit('primary')).toMatchObject({ status: '200', body: { email_restored: true, reset_mailed: true } });

    await open(await link(user, 'Reset your password'));
    expect(await submit('primary', { password: 'Third-Pass-3!' })).toMatchObject({ status: '200', body: { user: { email: user } } });
    await gw.mail.next(user, 'Your password was changed');

    await open('token');
    expect((await submit('primary', { email: user, password: 'Third-Pass-3!' })).status).toBe('200');
    // Log out with its field empty: the page's refresh token, or the refresh cookie.
    expect(await submit('/logout')).toMatchObject({ status: '200', body: { refresh_tokens_revoked: true } });
    expect((await submit('/user')).status).toBe('401');

    // Forgot password, from the form (the link form was used above).
    await open('reset-password');
    expect(await submit('primary', { email: user })).toMatchObject({ status: '200', body: {} });
    await gw.mail.next(user, 'Reset your password');

    // The admin invites with the optional role left empty: the default role.
    await open('token');
    expect((await submit('primary', ADMIN)).status).toBe('200');
    const invited = `${delivery}-invited@example.com`;
    expect(await submit('/invite', { email: invited })).toMatchObject({ status: '200', body: {} });
    await open(await link(invited, "You're invited"));
    expect(await submit('primary', { password: 'Invited-Pass-4!' })).toMatchObject({ status: '200', body: { user: { email: invited, role: 'user' } } });
    expect(problems).toEqual([]);
  });

  it('passwordless: the code typed on the page that asked; the mailed link opened, which signs in only on its button', async () => {
    const user = `${delivery}-passwordless@example.com`;
    await open('passwordless-start');
    const started = await submit('primary', { email: user });
    expect(started.status).toBe('200');
    const mail = await gw.mail.next(user, 'Your sign-in code');
    const code = /^\s+(\d{6})\s*$/m.exec(mail.text)?.[1] as string;
    // The page filled the code form's challenge with the one it was answered.
    expect(await page.inputValue('details form[data-endpoint="/passwordless/verify"] input[name="challenge"]')).toBe(started.body.challenge);
    expect(await submit('/passwordless/verify', { code })).toMatchObject({ status: '200', body: { token_type: 'Bearer' } });
    expect(await submit('/user')).toMatchObject({ status: '200', body: { user: { email: user } } });
    expect(await submit('/logout')).toMatchObject({ status: '200' });

    await open('passwordless-start');
    expect((await submit('primary', { email: user })).status).toBe('200');
    const linked = (await gw.mail.next(user, 'Your sign-in code')).link as string;
    await open(linked);
    await open(linked); // opened twice (a scanner, a preview): nothing spent
    if (tenant !== undefined) expect(await page.inputValue('#tenant')).toBe(tenant);
    expect(await page.textContent('#primary h2')).toBe('Sign in with the mailed link');
    expect(await submit('primary')).toMatchObject({ status: '200', body: { token_type: 'Bearer' } });
    expect(await submit('/user')).toMatchObject({ status: '200', body: { user: { email: user } } });
    expect(await submit('primary')).toMatchObject({ status: '401', body: { error: 'invalid_token' } }); // spent
    expect(problems).toEqual([]);
  });
});
