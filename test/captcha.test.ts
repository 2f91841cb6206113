import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, testApp, STRONG_PASSWORD, tokenOf, type TestGateway } from './fixtures.js';
import { json, startFakeServer } from './fakes.js';

const SECRET = 'turnstile-secret';
let siteverify: Awaited<ReturnType<typeof startFakeServer>>;
let mode: 'ok' | 'error' | 'garbage' = 'ok';
let gw: TestGateway;
let access: string;

beforeAll(async () => {
  siteverify = await startFakeServer({
    // Cloudflare's siteverify protocol: form body with secret, response, remoteip.
    'POST /turnstile/v0/siteverify': async (req, res) => {
      if (mode === 'error') return json(res, 500, { error: 'internal' });
      if (mode === 'garbage') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
      const form = new URLSearchParams(req.rawBody);
      const valid = form.get('secret') === SECRET && form.get('response') === 'pass-token';
      json(res, 200, valid ? { success: true, 'error-codes': [] } : { success: false, 'error-codes': ['invalid-input-response'] });
    },
  });
  // A user made before captcha is on, for the authenticated endpoints.
  const plain = await testApp();
  access = (await signUp(plain, 'cap@example.com')).tokens.access_token;
  gw = await testApp({
    SQLITE_DB_PATH: plain.dbPath,
    CAPTCHA: 'turnstile',
    TURNSTILE_SECRET_KEY: SECRET,
    TURNSTILE_SITE_KEY: 'site-key-123',
    TURNSTILE_VERIFY_URL: `${siteverify.url}/turnstile/v0/siteverify`,
    CAPTCHA_TIMEOUT: '500ms',
    PASSWORDLESS_ENABLED: 'true',
    INITIAL_USER_EMAIL: 'root@example.com',
    INITIAL_USER_PASSWORD: 'Admin-Pass-123!',
  });
  await plain.close();
});
afterAll(async () => {
  await gw.close();
  await siteverify.close();
});

const CASES: Array<[string, Record<string, unknown>, boolean]> = [
  ['/signup', { email: 'new@example.com' }, false],
  ['/reset-password', { email: 'cap@example.com' }, false],
  ['/passwordless/start', { email: 'cap@example.com' }, false],
  ['/token', { email: 'cap@example.com', password: STRONG_PASSWORD }, false],
  ['/verify-email', { token: 'x.y.z', password: STRONG_PASSWORD }, false],
  ['/change-password', { old_password: STRONG_PASSWORD, new_password: STRONG_PASSWORD }, true],
  ['/change-email', { email: 'cap2@example.com' }, true],
];

describe('Turnstile', () => {
  it.each(CASES)('%s requires a token (400 captcha_required) and refuses a bad one (400 captcha_failed)', async (path, body, auth) => {
    const bearer = auth ? access : undefined;
    const missing = await gw.call(path, { json: body, bearer });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: 'captcha_required' });
    const bad = await gw.call(path, { json: { ...body, 'cf-turnstile-response': 'wrong' }, bearer });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'captcha_failed' });
  });

  it('a solved captcha passes, in JSON and form bodies; the verifier gets the secret and the client IP', async () => {
    const jsonBody = await gw.call('/signup', { json: { email: 'solved@example.com', 'cf-turnstile-response': 'pass-token' } });
    expect(jsonBody.status).toBe(200);
    const token = tokenOf((await gw.mail.next('solved@example.com')).link);
    const form = await gw.call('/verify-email', { form: { token, password: STRONG_PASSWORD, 'cf-turnstile-response': 'pass-token' } });
    expect(form.status).toBe(200);
    const call = siteverify.calls.at(-1);
    expect(new URLSearchParams(call?.rawBody).get('remoteip')).toBe('127.0.0.1');
    expect(new URLSearchParams(call?.rawBody).get('secret')).toBe(SECRET);
    const login = await gw.call('/token', { json: { email: 'solved@example.com', password: STRONG_PASSWORD, 'cf-turnstile-response': 'pass-token' } });
    expect(login.status).toBe(200);
  });

  it('the admin endpoint needs it too; refresh and /user do not', async () => {
    const admin = await gw.call('/token', { json: { email: 'root@example.com', password: 'Admin-Pass-123!', 'cf-turnstile-response': 'pass-token' } });
    const { access_token, refresh_token } = (await admin.json()) as { access_token: string; refresh_token: string };
    expect((await gw.call('/invite', { json: { email: 'inv@example.com' }, bearer: access_token })).status).toBe(400);
    expect((await gw.call('/invite', { json: { email: 'inv@example.com', 'cf-turnstile-response': 'pass-token' }, bearer: access_token })).status).toBe(200);
    expect((await gw.call('/refresh', { json: { refresh_token } })).status).toBe(200);
    expect((await gw.call('/user', { bearer: access_token })).status).toBe(200);
  });

  it.each(['slow', 'error', 'garbage'] as const)('fails closed with 503 when the verifier is %s', async (fault) => {
    // Slow: it does not answer before CAPTCHA_TIMEOUT (it holds the call until released).
    if (fault === 'slow') siteverify.hold();
    else mode = fault;
    try {
      const response = await gw.call('/signup', { json: { email: 'closed@example.com', 'cf-turnstile-response': 'pass-token' } });
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ error: 'captcha_unavailable' });
    } finally {
      siteverify.release();
      mode = 'ok';
    }
  });

  it('fails closed with 503 when the verifier is unreachable', async () => {
    const down = await testApp({ CAPTCHA: 'turnstile', TURNSTILE_SECRET_KEY: SECRET, TURNSTILE_VERIFY_URL: 'http://127.0.0.1:1/siteverify' });
    try {
      const response = await down.call('/reset-password', { json: { email: 'a@example.com', 'cf-turnstile-response': 'pass-token' } });
      expect(response.status).toBe(503);
    } finally {
      await down.close();
    }
  });

  it('/form shows the widget, loads the script with the nonce, and the CSP allows its origin', async () => {
    const response = await gw.call('/form?action=signup');
    const html = await response.text();
    expect(html).toContain('<div class="cf-turnstile" data-sitekey="site-key-123"></div>');
    expect(html).toMatch(/<script nonce="[^"]+" src="https:\/\/challenges\.cloudflare\.com\/turnstile\/v0\/api\.js" async defer><\/script>/);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'nonce-[^']+' https:\/\/challenges\.cloudflare\.com;/);
    expect(csp).toContain('frame-src https://challenges.cloudflare.com;');
  });
});
