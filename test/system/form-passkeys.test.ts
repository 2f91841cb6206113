/// <reference lib="dom" />
import { decodeJwt } from 'jose';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ListeningGateway, signUp, startGateway, STRONG_PASSWORD } from '../fixtures.js';
import { launchChromium, pageProblems } from '../helpers/chromium.js';
import { formSubmitter } from '../helpers/form-page.js';
import { freePort } from '../helpers/ports.js';

/**
 * Passkeys on /form in Chromium, with Chrome's virtual authenticator (CDP WebAuthn) on a localhost
 * origin: a passkey added while signed in, then a sign-in with it and nothing else.
 */
describe('passkeys on /form with a virtual authenticator', () => {
  let gw: ListeningGateway;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let origin: string;
  let problems: string[] = [];
  beforeAll(async () => {
    const port = await freePort();
    origin = `http://localhost:${port}`;
    gw = await startGateway({ PORT: String(port), EXTERNAL_URL: origin, VERIFY_REDIRECT_URL: `${origin}/form`, PASSKEYS_ENABLED: 'true' });
    browser = await launchChromium();
    page = browser.page;
    problems = pageProblems(page, /status of 401/);
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  const submit = (endpoint: string, values: Record<string, string> = {}, primary = false) => formSubmitter(page)(primary ? 'primary' : endpoint, values);
  const json = (text: string) => JSON.parse(text.slice(text.indexOf('\n') + 1)) as Record<string, unknown>;

  it('adds a passkey (resident, user-verified) and signs in with it alone: amr hwk user mfa', async () => {
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    await signUp(gw, 'passkey@example.com');
    await page.goto(`${origin}/form?action=token`);
    expect((await submit('/token', { email: 'passkey@example.com', password: STRONG_PASSWORD }, true)).status).toBe('200');
    const added = await submit('/webauthn/registration/initialize');
    expect(added.status, added.text).toBe('200');
    expect(json(added.text)).toMatchObject({ name: 'Passkey', last_used_at: null });
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]?.isResidentCredential).toBe(true);

    await page.goto(`${origin}/form`); // a new visit: no tokens held
    const signedIn = await submit('/webauthn/login/initialize');
    expect(signedIn.status, signedIn.text).toBe('200');
    expect(decodeJwt(json(signedIn.text).access_token as string)).toMatchObject({ email: 'passkey@example.com', amr: ['hwk', 'user', 'mfa'] });
    const me = await submit('/user');
    expect(json(me.text)).toMatchObject({ user: { email: 'passkey@example.com' } });
    expect(problems).toEqual([]);
  });
});
