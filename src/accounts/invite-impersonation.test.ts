import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, testApp, STRONG_PASSWORD, tokenOf, type TestGateway } from '../../test/fixtures.js';

const ADMIN = { email: 'root@example.com', password: 'Admin-Pass-123!' };
let gw: TestGateway;
let admin: { access_token: string };

beforeAll(async () => {
  gw = await testApp({
    INITIAL_USER_EMAIL: ADMIN.email,
    INITIAL_USER_PASSWORD: ADMIN.password,
    SIGNUP_DISABLED: 'true',
    IMPERSONATION_ENABLED: 'true',
  });
  const login = await gw.call('/token', { json: ADMIN });
  expect(login.status).toBe(200);
  admin = (await login.json()) as { access_token: string };
});
afterAll(() => gw.close());

async function invite(email: string, role?: string) {
  const response = await gw.call('/invite', { json: { email, role }, bearer: admin.access_token });
  expect(response.status).toBe(200);
  const mail = await gw.mail.next(email);
  const verify = await gw.call('/verify-email', { json: { token: tokenOf(mail.link), password: STRONG_PASSWORD } });
  expect(verify.status).toBe(200);
  return (await verify.json()) as { user: { role: string }; tokens: { access_token: string } };
}

describe('initial admin and disabled signup', () => {
  it('created the INITIAL_USER admin once', async () => {
    const me = await gw.call('/user', { bearer: admin.access_token });
    expect(await me.json()).toMatchObject({ user: { email: ADMIN.email, role: 'admin' } });
  });

  it('refuses self-service signup with 403', async () => {
    const response = await gw.call('/signup', { json: { email: 'self@example.com' } });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'signup_disabled' });
  });
});

describe('invitations', () => {
  it('an invited user accepts while signup is disabled and gets the invited role', async () => {
    const response = await gw.call('/invite', { json: { email: 'Guest@Example.com', role: 'editor' }, bearer: admin.access_token });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    const mail = await gw.mail.next('guest@example.com');
    expect(mail.subject).toBe("You're invited");
    expect(mail.text).toContain('editor');
    expect(new URL(mail.link ?? '').searchParams.get('action')).toBe('invite');
    const token = tokenOf(mail.link);
    const accept = await gw.call('/verify-email', { json: { token, password: STRONG_PASSWORD } });
    expect(accept.status).toBe(200);
    expect(await accept.json()).toMatchObject({ user: { email: 'guest@example.com', role: 'editor' } });
    expect((await gw.call('/verify-email', { json: { token, password: STRONG_PASSWORD } })).status).toBe(401);
    // Disabled signup never blocks login or reset.
    expect((await gw.call('/token', { json: { email: 'guest@example.com', password: STRONG_PASSWORD } })).status).toBe(200);
    expect((await gw.call('/reset-password', { json: { email: 'guest@example.com' } })).status).toBe(200);
    await gw.mail.next('guest@example.com');
  });

  it('defaults the role to DEFAULT_ROLE', async () => {
    expect((await invite('plain@example.com')).user.role).toBe('user');
  });

  it('is admin-only, validates the role and refuses existing users', async () => {
    const member = await invite('member@example.com');
    const notAdmin = await gw.call('/invite', { json: { email: 'x@example.com' }, bearer: member.tokens.access_token });
    expect(notAdmin.status).toBe(403);
    expect((await gw.call('/invite', { json: { email: 'x@example.com' } })).status).toBe(401);
    const badRole = await gw.call('/invite', { json: { email: 'x@example.com', role: 'admin"}' }, bearer: admin.access_token });
    expect(badRole.status).toBe(400);
    expect(await badRole.json()).toMatchObject({ error: 'validation_failed', issues: [{ path: 'role' }] });
    const exists = await gw.call('/invite', { json: { email: 'member@example.com' }, bearer: admin.access_token });
    expect(exists.status).toBe(409);
  });
});

describe('impersonation', () => {
  it('an admin gets a short access token for a user, with act and no refresh token', async () => {
    await invite('target@example.com');
    const response = await gw.call('/token', { json: { email: 'target@example.com', password: '' }, bearer: admin.access_token });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty('refresh_token');
    const claims = decodeJwt(String(body.access_token));
    expect(claims.email).toBe('target@example.com');
    const adminClaims = decodeJwt(admin.access_token);
    expect(claims.act).toEqual({ sub: adminClaims.sub });
    // The sign-in that happened is the admin's: their amr and auth_time.
    expect(claims).toMatchObject({ amr: adminClaims.amr, auth_time: adminClaims.auth_time });
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(300);
    expect(gw.logs.some((l) => l.includes('"impersonation"') && l.includes(String(adminClaims.sub)))).toBe(true);

    // The impersonation token reads the user but cannot change credentials or invite.
    const asUser = String(body.access_token);
    expect(await (await gw.call('/user', { bearer: asUser })).json()).toMatchObject({ user: { email: 'target@example.com' } });
    expect((await gw.call('/change-password', { json: { old_password: 'a', new_password: 'b' }, bearer: asUser })).status).toBe(403);
    expect((await gw.call('/token', { json: { email: 'plain@example.com', password: '' }, bearer: asUser })).status).toBe(403);
  });

  it('refuses non-admins, admins as targets and unknown users', async () => {
    const member = await invite('nonadmin@example.com');
    const byMember = await gw.call('/token', { json: { email: 'target@example.com', password: '' }, bearer: member.tokens.access_token });
    expect(byMember.status).toBe(403);
    await gw.call('/invite', { json: { email: 'admin2@example.com', role: 'admin' }, bearer: admin.access_token });
    const mail = await gw.mail.next('admin2@example.com');
    await gw.call('/verify-email', { json: { token: tokenOf(mail.link), password: STRONG_PASSWORD } });
    const ofAdmin = await gw.call('/token', { json: { email: 'admin2@example.com', password: '' }, bearer: admin.access_token });
    expect(ofAdmin.status).toBe(403);
    const unknown = await gw.call('/token', { json: { email: 'nobody@example.com', password: '' }, bearer: admin.access_token });
    expect(unknown.status).toBe(404);
  });

  it('stays short-lived when access tokens are long-lived (IMPERSONATION_EXPIRATION, default 5m)', async () => {
    const long = await testApp({
      INITIAL_USER_EMAIL: ADMIN.email,
      INITIAL_USER_PASSWORD: ADMIN.password,
      IMPERSONATION_ENABLED: 'true',
      JWT_EXPIRATION: '1h',
    });
    try {
      const token = ((await (await long.call('/token', { json: ADMIN })).json()) as { access_token: string; expires_in: number });
      expect(token.expires_in).toBe(3600);
      await signUp(long, 'short@example.com');
      const response = await long.call('/token', { json: { email: 'short@example.com', password: '' }, bearer: token.access_token });
      const body = (await response.json()) as { access_token: string; expires_in: number };
      expect(body.expires_in).toBe(300);
      const claims = decodeJwt(body.access_token);
      expect((claims.exp as number) - (claims.iat as number)).toBe(300);
    } finally {
      await long.close();
    }
  });

  it('is refused when IMPERSONATION_ENABLED is off', async () => {
    const off = await testApp({ INITIAL_USER_EMAIL: ADMIN.email, INITIAL_USER_PASSWORD: ADMIN.password });
    try {
      const token = ((await (await off.call('/token', { json: ADMIN })).json()) as { access_token: string }).access_token;
      await signUp(off, 'victim@example.com');
      const response = await off.call('/token', { json: { email: 'victim@example.com', password: '' }, bearer: token });
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: 'impersonation_disabled' });
    } finally {
      await off.close();
    }
  });
});
