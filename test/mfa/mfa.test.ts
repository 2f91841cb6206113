import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { movableClock, signUp, STRONG_PASSWORD, type TestGateway, testApp, tokenOf } from '../fixtures.js';
import { startOAuthProvider } from '../fakes.js';
import { backendStores, useGatewayOn } from '../helpers/backend-stores.js';

const stores = backendStores();
const ADMIN = { email: 'root@example.com', password: 'Admin-Pass-123!' };
type Json = Record<string, unknown>;

describe.each(Object.keys(stores))('second factors on the %s backend', (name) => {
  const clock = movableClock();
  const gw = useGatewayOn(
    name,
    {
      MFA_ENABLED: 'true',
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      MFA_REQUIRED_ROLES: 'admin',
      PASSWORDLESS_ENABLED: 'true',
      INITIAL_USER_EMAIL: ADMIN.email,
      INITIAL_USER_PASSWORD: ADMIN.password,
    },
    { clock },
  );

  /** The code an authenticator app shows now (the gateway's clock), for `secret`. */
  const codeFor = (secret: string) => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: clock.now() });
  /** The gateway's clock in whole seconds (as JWT times are written). */
  const seconds = () => Math.floor(clock.now() / 1000);
  const expectBetween = (value: unknown, from: number, to: number) => {
    expect(value).toBeGreaterThanOrEqual(from);
    expect(value).toBeLessThanOrEqual(to);
  };
  /** The next 30-second step: a code not used yet. */
  const nextStep = () => clock.advance(30_000);
  const post = async (path: string, json: Json = {}, bearer?: string) => {
    const response = await gw.call(path, { method: 'POST', json, bearer });
    return { status: response.status, body: (await response.json()) as Json, cookies: response.headers.get('set-cookie') };
  };
  const login = (email: string, password = STRONG_PASSWORD) => post('/token', { email, password });

  /** A user with an authenticator app set up: its secret and recovery codes. */
  async function enrolled(email: string) {
    const { tokens } = await signUp(gw, email);
    const enrol = await post('/mfa/totp/enroll', {}, tokens.access_token);
    expect(enrol.status).toBe(200);
    const secret = enrol.body.secret as string;
    expect(enrol.body.uri).toMatch(/^otpauth:\/\/totp\/Authura:.+\?.*secret=/);
    expect(enrol.body.qr_svg).toMatch(/^<svg/);
    expect((await post('/mfa/totp/confirm', { code: String((Number(codeFor(secret)) + 1) % 1e6).padStart(6, '0') }, tokens.access_token)).status).toBe(401);
    const confirm = await post('/mfa/totp/confirm', { code: codeFor(secret) }, tokens.access_token);
    expect(confirm.status).toBe(200);
    const recovery = confirm.body.recovery_codes as string[];
    expect(recovery).toHaveLength(10);
    for (const code of recovery) expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    return { secret, recovery, tokens };
  }

  it('enrol, confirm; a login then answers mfa_required (no tokens, no cookies); a code completes it once, with amr pwd otp mfa', async () => {
    const { secret } = await enrolled('totp@example.com');
    const first = await login('totp@example.com');
    expect(first.status).toBe(403);
    expect(first.body).toMatchObject({ error: 'mfa_required', methods: ['totp', 'recovery_code'] });
    expect(first.body).not.toHaveProperty('access_token');
    expect(first.cookies).toBeNull();
    const mfaToken = first.body.mfa_token as string;
    // The code just used to confirm is a replay.
    expect(await post('/mfa/verify', { mfa_token: mfaToken, code: codeFor(secret) })).toMatchObject({ status: 401, body: { error: 'invalid_code' } });
    nextStep();
    const asked = seconds();
    const done = await post('/mfa/verify', { mfa_token: mfaToken, code: codeFor(secret) });
    expect(done.status).toBe(200);
    const claims = decodeJwt(done.body.access_token as string);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expectBetween(claims.auth_time, asked, seconds());
    nextStep();
    expect(await post('/mfa/verify', { mfa_token: mfaToken, code: codeFor(secret) })).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
  });

  it('answers a forged mfa token, a malformed code and a body with both factors with JSON errors', async () => {
    expect(await post('/mfa/verify', { mfa_token: 'not.a.token', code: '123456' })).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    expect(await post('/mfa/verify', { mfa_token: 'x', code: 'abc' })).toMatchObject({ status: 400, body: { error: 'validation_failed' } });
    expect(await post('/mfa/verify', { mfa_token: 'x', code: '123456', recovery_code: 'a' })).toMatchObject({ status: 400, body: { error: 'validation_failed' } });
    expect(await post('/mfa/verify', { code: '123456' })).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
  });

  it('a recovery code completes a sign-in once', async () => {
    const { recovery } = await enrolled('recovery@example.com');
    const first = await login('recovery@example.com');
    const done = await post('/mfa/verify', { mfa_token: first.body.mfa_token, recovery_code: (recovery[0] as string).toUpperCase() });
    expect(done.status).toBe(200);
    expect(decodeJwt(done.body.access_token as string).amr).toEqual(['pwd', 'recovery', 'mfa']);
    const again = await login('recovery@example.com');
    expect(await post('/mfa/verify', { mfa_token: again.body.mfa_token, recovery_code: recovery[0] })).toMatchObject({ status: 401, body: { error: 'invalid_code' } });
    expect((await post('/mfa/verify', { mfa_token: again.body.mfa_token, recovery_code: recovery[1] })).status).toBe(200);
  });

  it('sensitive calls need a recent step-up; /mfa/verify with the access token gives fresh tokens; disabling needs it and a code', async () => {
    const { secret, tokens: old } = await enrolled('stepup@example.com');
    // The session from before MFA: no second factor in it.
    expect(await post('/change-email', { email: 'stepup2@example.com' }, old.access_token)).toMatchObject({ status: 403, body: { error: 'step_up_required' } });
    expect(await post('/mfa/totp/disable', { code: codeFor(secret) }, old.access_token)).toMatchObject({ status: 403, body: { error: 'step_up_required' } });
    nextStep();
    const asked = seconds();
    const stepped = await post('/mfa/verify', { code: codeFor(secret) }, old.access_token);
    expect(stepped.status).toBe(200);
    const claims = decodeJwt(stepped.body.access_token as string);
    expect(claims.amr).toEqual(['email', 'otp', 'mfa']);
    // The sign-in time is the step-up's: read from the gateway's clock between the request and the answer.
    expectBetween(claims.auth_time, asked, seconds());
    const fresh = stepped.body.access_token as string;
    expect((await post('/change-email', { email: 'stepup2@example.com' }, fresh)).status).toBe(200);
    expect((await post('/mfa/recovery-codes', {}, fresh)).body.recovery_codes).toHaveLength(10);
    nextStep();
    expect((await post('/mfa/totp/disable', { code: codeFor(secret) }, fresh)).status).toBe(200);
    expect((await login('stepup@example.com')).status).toBe(200);
  });

  it('guessing is stopped: after MFA_MAX_ATTEMPTS wrong codes the mfa token is dead, the right code too', async () => {
    const { secret } = await enrolled('guess@example.com');
    nextStep();
    const { body } = await login('guess@example.com');
    const right = codeFor(secret);
    for (let i = 1; i <= 5; i += 1) {
      const wrong = String((Number(right) + i) % 1e6).padStart(6, '0');
      expect(await post('/mfa/verify', { mfa_token: body.mfa_token, code: wrong })).toMatchObject({ status: 401, body: { error: 'invalid_code' } });
    }
    expect(await post('/mfa/verify', { mfa_token: body.mfa_token, code: right })).toMatchObject({ status: 401, body: { error: 'invalid_code', message: expect.stringContaining('Too many') } });
  });

  it('a reset link, passwordless and a mailed link do not skip the second factor', async () => {
    const { secret } = await enrolled('reset@example.com');
    expect((await post('/reset-password', { email: 'reset@example.com' })).status).toBe(200);
    const link = tokenOf((await gw.mail.next('reset@example.com', 'Reset your password')).link);
    const reset = await post('/verify-email', { token: link, password: 'Another-Pass-9' });
    expect(reset).toMatchObject({ status: 403, body: { error: 'mfa_required' } });
    await gw.mail.next('reset@example.com', 'Your password was changed');
    nextStep();
    const done = await post('/mfa/verify', { mfa_token: reset.body.mfa_token, code: codeFor(secret) });
    expect(done.status).toBe(200);
    expect(decodeJwt(done.body.access_token as string).amr).toEqual(['email', 'otp', 'mfa']);

    const started = await post('/passwordless/start', { email: 'reset@example.com' });
    const mail = await gw.mail.next('reset@example.com', 'Your sign-in code');
    const code = /^\s+(\d{6})\s*$/m.exec(mail.text)?.[1];
    expect(await post('/passwordless/verify', { challenge: started.body.challenge, code })).toMatchObject({ status: 403, body: { error: 'mfa_required' } });
  });

  it('an admin (MFA_REQUIRED_ROLES) without a second factor gets only an enrolment token, good for enroll and confirm', async () => {
    const first = await login(ADMIN.email, ADMIN.password);
    expect(first).toMatchObject({ status: 403, body: { error: 'mfa_enrollment_required' } });
    expect(first.body).not.toHaveProperty('access_token');
    const enrolment = first.body.enrollment_token as string;
    expect((await gw.call('/user', { bearer: enrolment })).status).toBe(401);
    const enrol = await post('/mfa/totp/enroll', {}, enrolment);
    expect(enrol.status).toBe(200);
    const confirm = await post('/mfa/totp/confirm', { code: codeFor(enrol.body.secret as string) }, enrolment);
    expect(confirm.status).toBe(200);
    const tokens = confirm.body.tokens as Json;
    expect(decodeJwt(tokens.access_token as string)).toMatchObject({ role: 'admin', amr: ['pwd', 'otp', 'mfa'] });
    expect((await gw.call('/user', { bearer: tokens.access_token as string })).status).toBe(200);
    // From now on the admin signs in with both factors.
    expect((await login(ADMIN.email, ADMIN.password)).body).toMatchObject({ error: 'mfa_required' });
  });
});

describe('second factors after an OAuth sign-in', () => {
  let gw: TestGateway;
  let google: Awaited<ReturnType<typeof startOAuthProvider>>;
  const clock = movableClock();
  beforeAll(async () => {
    google = await startOAuthProvider('google', { id: 'g-client', secret: 'g-secret' });
    gw = await testApp({ MFA_ENABLED: 'true', MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'), OAUTH_PROVIDERS: 'google', ...google.env }, { clock });
  });
  afterAll(async () => {
    await gw?.close();
    await google?.close();
  });

  it("the redirect's fragment carries error=mfa_required and the mfa token, never tokens; /mfa/verify completes it with amr fed otp mfa", async () => {
    const { tokens } = await signUp(gw, 'fed@example.com');
    const enrol = (await (await gw.call('/mfa/totp/enroll', { method: 'POST', bearer: tokens.access_token })).json()) as { secret: string };
    const code = () => new TOTP({ secret: Secret.fromBase32(enrol.secret) }).generate({ timestamp: clock.now() });
    expect((await gw.call('/mfa/totp/confirm', { json: { code: code() }, bearer: tokens.access_token })).status).toBe(200);

    const started = await gw.call('/oauth/google', { redirect: 'manual' });
    const authorizationUrl = new URL(started.headers.get('location') ?? '');
    const cookie = (started.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const consent = google.consent(authorizationUrl, { email: 'fed@example.com', verified: true });
    const params = new URLSearchParams({ code: consent, state: authorizationUrl.searchParams.get('state') ?? '' });
    const back = await gw.call(`/oauth/google/callback?${params}`, { redirect: 'manual', headers: { cookie } });
    expect(back.headers.get('set-cookie') ?? '').not.toContain('authura_access');
    const fragment = new URLSearchParams(new URL(back.headers.get('location') ?? '').hash.slice(1));
    expect(fragment.get('error')).toBe('mfa_required');
    expect(fragment.get('access_token')).toBeNull();
    clock.advance(30_000);
    const done = await gw.call('/mfa/verify', { json: { mfa_token: fragment.get('mfa_token'), code: code() } });
    expect(done.status).toBe(200);
    expect(decodeJwt(((await done.json()) as { access_token: string }).access_token).amr).toEqual(['fed', 'otp', 'mfa']);
  });
});

describe('MFA_REQUIRED_ROLES with several roles', () => {
  it('a user holding a required role among several (ROLE_COLUMN_LIST) is held back for enrolment', async () => {
    const gw = await testApp({ MFA_ENABLED: 'true', MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'), MFA_REQUIRED_ROLES: 'auditor', ROLE_COLUMN_LIST: 'true' });
    try {
      const { user } = await signUp(gw, 'several@example.com');
      await gw.deps.backend.update(user.id, null, { role: 'editor,auditor' });
      const answer = await gw.call('/token', { json: { email: 'several@example.com', password: STRONG_PASSWORD } });
      expect(answer.status).toBe(403);
      expect(await answer.json()).toMatchObject({ error: 'mfa_enrollment_required' });
    } finally {
      await gw.close();
    }
  });
});
