/// <reference lib="dom" />
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ListeningGateway, signUp, startGateway, STRONG_PASSWORD } from '../fixtures.js';
import { launchChromium, pageProblems } from '../helpers/chromium.js';
import { formSubmitter } from '../helpers/form-page.js';
import { freePort } from '../helpers/ports.js';
import { Secret, TOTP } from 'otpauth';

/** /form's second-factor forms in Chromium: the QR code shown, the app confirmed, a login finished with a recovery code. */
describe('second factors on /form', () => {
  let gw: ListeningGateway;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let problems: string[] = [];
  beforeAll(async () => {
    const port = await freePort();
    const self = `http://127.0.0.1:${port}`;
    gw = await startGateway({ PORT: String(port), EXTERNAL_URL: self, VERIFY_REDIRECT_URL: `${self}/form`, MFA_ENABLED: 'true', MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
    browser = await launchChromium();
    page = browser.page;
    problems = pageProblems(page, /status of (401|403)/);
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  const submit = (endpoint: string, values: Record<string, string> = {}, primary = false) => formSubmitter(page)(primary ? 'primary' : endpoint, values);

  it('enrol (the QR code shown), confirm, then a login answers mfa_required and the verify form finishes it with a recovery code', async () => {
    await signUp(gw, 'form-mfa@example.com');
    await page.goto(`${gw.url}/form?action=token`);
    expect((await submit('/token', { email: 'form-mfa@example.com', password: STRONG_PASSWORD }, true)).status).toBe('200');
    const enrol = await submit('/mfa/totp/enroll');
    expect(enrol.status).toBe('200');
    expect(await page.locator('#qr svg').count()).toBe(1);
    const code = new TOTP({ secret: Secret.fromBase32(enrol.body.secret as string) }).generate();
    const confirm = await submit('/mfa/totp/confirm', { code });
    expect(confirm.status).toBe('200');
    const recovery = confirm.body.recovery_codes as string[];
    expect(recovery).toHaveLength(10);

    await page.goto(`${gw.url}/form?action=token`);
    const login = await submit('/token', { email: 'form-mfa@example.com', password: STRONG_PASSWORD }, true);
    expect(login).toMatchObject({ status: '403', body: { error: 'mfa_required' } });
    expect(await page.inputValue('details form[data-endpoint="/mfa/verify"] input[name="mfa_token"]')).toBe(login.body.mfa_token);
    expect(await submit('/mfa/verify', { recovery_code: recovery[0] as string })).toMatchObject({ status: '200', body: { token_type: 'Bearer' } });
    expect(await submit('/user')).toMatchObject({ status: '200', body: { user: { email: 'form-mfa@example.com' } } });
    expect(problems).toEqual([]);
  });
});
