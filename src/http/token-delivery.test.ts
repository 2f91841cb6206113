import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { signUp, testApp, STRONG_PASSWORD, tokenOf, type TestGateway } from '../../test/fixtures.js';

const SECRETS = { JWT_SECRET: 'x'.repeat(32), JWT_REFRESH_SECRET: 'y'.repeat(32), JWT_VERIFY_SECRET: 'z'.repeat(32) };

/** The cookies a response sets, by name: value and attributes as sent. */
/** The value of cookie `name`, which must be there. */
function cookieValue(cookies: Map<string, { value: string }>, name: string): string {
  const cookie = cookies.get(name);
  if (!cookie) throw new Error(`no ${name} cookie`);
  return cookie.value;
}

function cookiesOf(response: Response): Map<string, { value: string; attributes: string[] }> {
  const out = new Map<string, { value: string; attributes: string[] }>();
  for (const line of response.headers.getSetCookie()) {
    const [pair, ...attributes] = line.split(';').map((s) => s.trim());
    const [name, ...value] = (pair as string).split('=');
    out.set(name as string, { value: value.join('='), attributes: attributes.map((a) => a.toLowerCase()) });
  }
  return out;
}

/** A Cookie request header as a browser would send it. */
const cookieHeader = (cookies: Record<string, string>) => ({ cookie: Object.entries(cookies).map(([k, v]) => `${k}=${v}`).join('; ') });

const login = (gw: TestGateway, email: string, password = STRONG_PASSWORD) => gw.call('/token', { json: { email, password } });

describe('token delivery: json, cookie and X-Auth-Token together', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await testApp({
      TOKEN_DELIVERY: 'json,cookie,header',
      JWT_EXPIRATION: '2m',
      INITIAL_USER_EMAIL: 'root@example.com',
      INITIAL_USER_PASSWORD: 'Admin-Pass-123!',
      IMPERSONATION_ENABLED: 'true',
    });
    await signUp(gw, 'cookie@example.com');
  });
  afterAll(() => gw?.close());

  it('sets HttpOnly, Secure, SameSite cookies and the header, with the same tokens as the body', async () => {
    const response = await login(gw, 'cookie@example.com');
    const body = (await response.json()) as { access_token: string; refresh_token: string; expires_in: number };
    const cookies = cookiesOf(response);
    const access = cookies.get('authura_access_token');
    const refresh = cookies.get('authura_refresh_token');
    expect(access?.value).toBe(body.access_token);
    expect(refresh?.value).toBe(body.refresh_token);
    expect(access?.attributes).toEqual(expect.arrayContaining(['httponly', 'secure', 'samesite=lax', 'path=/', 'max-age=120']));
    expect(refresh?.attributes).toEqual(expect.arrayContaining(['httponly', 'secure', 'samesite=strict', 'path=/', `max-age=${720 * 3600}`]));
    expect(response.headers.get('x-auth-token')).toBe(body.access_token);
  });

  it('GET /user takes the access cookie; a state-changing call only when no other site could send it (JSON, X-Requested-With)', async () => {
    const cookies = cookiesOf(await login(gw, 'cookie@example.com'));
    const jar = cookieHeader({ authura_access_token: cookieValue(cookies, 'authura_access_token') });
    const me = await gw.call('/user', { headers: jar });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ user: { email: 'cookie@example.com' } });
    // A form any site could post: the cookie does not count.
    const wrong = { old_password: 'Wrong-Pass-1!', new_password: 'Other-Pass-99' };
    const simple = await gw.call('/change-password', { form: wrong, headers: jar });
    expect(simple.status).toBe(401);
    expect(await simple.json()).toMatchObject({ error: 'unauthorized' });
    // JSON, or a custom header: the cookie authorises (and the old password is then checked).
    for (const request of [{ json: wrong, headers: jar }, { form: wrong, headers: { ...jar, 'X-Requested-With': 'fetch' } }]) {
      const response = await gw.call('/change-password', request);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'invalid_credentials' });
    }
    // The Authorization header wins over the cookie.
    expect((await gw.call('/user', { headers: { ...jar, authorization: 'Bearer forged' } })).status).toBe(401);
  });

  it('POST /refresh takes the refresh cookie and sets fresh cookies', async () => {
    const first = cookiesOf(await login(gw, 'cookie@example.com'));
    const refreshed = await gw.call('/refresh', { method: 'POST', headers: cookieHeader({ authura_refresh_token: cookieValue(first, 'authura_refresh_token') }) });
    expect(refreshed.status).toBe(200);
    const next = cookiesOf(refreshed);
    expect(next.get('authura_access_token')?.value).toMatch(/^ey/);
    expect(next.get('authura_refresh_token')?.value).not.toBe(first.get('authura_refresh_token')?.value);
    // Neither body nor cookie: the field is required.
    const none = await gw.call('/refresh', { json: {} });
    expect(none.status).toBe(400);
    expect(await none.json()).toMatchObject({ error: 'validation_failed', issues: [{ path: 'refresh_token', message: 'is required' }] });
  });

  it('POST /logout with the cookie clears both cookies and revokes every refresh token of the user', async () => {
    await signUp(gw, 'leaver@example.com');
    const laptop = cookiesOf(await login(gw, 'leaver@example.com'));
    const phone = (await (await login(gw, 'leaver@example.com')).json()) as { access_token: string; refresh_token: string };
    const logout = await gw.call('/logout', { method: 'POST', headers: cookieHeader({ authura_refresh_token: cookieValue(laptop, 'authura_refresh_token') }) });
    expect(await logout.json()).toEqual({ refresh_tokens_revoked: true });
    const cleared = cookiesOf(logout);
    for (const name of ['authura_access_token', 'authura_refresh_token']) {
      expect(cleared.get(name)?.value).toBe('');
      expect(cleared.get(name)?.attributes).toEqual(expect.arrayContaining(['max-age=0', 'path=/', 'httponly', 'secure']));
    }
    for (const token of [cookieValue(laptop, 'authura_refresh_token'), phone.refresh_token]) {
      const refused = await gw.call('/refresh', { json: { refresh_token: token } });
      expect(refused.status).toBe(401);
    }
    // What logout does not do (README): an access token already out lives until it expires.
    expect((await gw.call('/user', { bearer: phone.access_token })).status).toBe(200);
    // Logging out again with a revoked token changes nothing and says the tokens are revoked.
    const again = await gw.call('/logout', { json: { refresh_token: phone.refresh_token } });
    expect(await again.json()).toEqual({ refresh_tokens_revoked: true });
    const db = new Database(gw.dbPath, { readonly: true });
    expect(db.prepare('SELECT session_version FROM users WHERE email = ?').get('leaver@example.com')).toEqual({ session_version: 1 });
    db.close();
    // The audit line names the user, never the token.
    const line = gw.logs.find((l) => l.includes('"event":"logout"') && l.includes('refresh_tokens_revoked'));
    expect(line).toBeDefined();
    expect(line).not.toContain(phone.refresh_token.split('.')[2]);
    // A new login works as before.
    const fresh = (await (await login(gw, 'leaver@example.com')).json()) as { refresh_token: string };
    expect((await gw.call('/refresh', { json: { refresh_token: fresh.refresh_token } })).status).toBe(200);
  });

  it('logout leaves a password reset link mailed before it usable', async () => {
    await signUp(gw, 'resetter@example.com');
    await gw.call('/reset-password', { json: { email: 'resetter@example.com' } });
    const link = tokenOf((await gw.mail.next('resetter@example.com')).link);
    const { refresh_token } = (await (await login(gw, 'resetter@example.com')).json()) as { refresh_token: string };
    expect(await (await gw.call('/logout', { json: { refresh_token } })).json()).toEqual({ refresh_tokens_revoked: true });
    expect((await gw.call('/verify-email', { json: { token: link, password: 'Reset-Pass-77' } })).status).toBe(200);
  });

  it('logout without a refresh token only clears the cookies; a bad one is a 401 that still clears them', async () => {
    const none = await gw.call('/logout', { method: 'POST' });
    expect(none.status).toBe(200);
    expect(await none.json()).toEqual({ refresh_tokens_revoked: false });
    expect(cookiesOf(none).get('authura_access_token')?.attributes).toContain('max-age=0');
    const bad = await gw.call('/logout', { json: { refresh_token: 'not.a.token' } });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ error: 'invalid_token', message: 'The token is not a JWT', error_description: 'The token is not a JWT' });
    expect(cookiesOf(bad).get('authura_refresh_token')?.attributes).toContain('max-age=0');
    // An access token is not a refresh token.
    const { access_token } = (await (await login(gw, 'cookie@example.com')).json()) as { access_token: string };
    expect((await gw.call('/logout', { json: { refresh_token: access_token } })).status).toBe(401);
  });

  it('an impersonation token is never put in a cookie (it would replace the admin\'s own session)', async () => {
    const { access_token: admin } = (await (await login(gw, 'root@example.com', 'Admin-Pass-123!')).json()) as { access_token: string };
    const response = await gw.call('/token', { json: { email: 'cookie@example.com' }, bearer: admin });
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.get('x-auth-token')).toBeNull();
    expect(await response.json()).toMatchObject({ access_token: expect.any(String) });
  });

  it('lets a listed origin read X-Auth-Token (CORS)', async () => {
    const gwCors = await testApp({ TOKEN_DELIVERY: 'json,header', ALLOWED_ORIGINS: 'https://app.example.com' });
    try {
      await signUp(gwCors, 'cors@example.com');
      const response = await gwCors.call('/token', {
        json: { email: 'cors@example.com', password: STRONG_PASSWORD },
        headers: { origin: 'https://app.example.com' },
      });
      expect(response.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('x-auth-token');
      expect(response.headers.get('x-auth-token')).toMatch(/^ey/);
      expect(response.headers.getSetCookie()).toEqual([]);
    } finally {
      await gwCors.close();
    }
  });
});

describe('cookie-only delivery', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await testApp({ TOKEN_DELIVERY: 'cookie', COOKIE_SAME_SITE: 'strict', COOKIE_DOMAIN: 'auth.example.com' });
  });
  afterAll(() => gw?.close());

  it('keeps tokens out of every body (login, refresh, verify) and serves the flows from cookies alone', async () => {
    const { tokens } = await signUp(gw, 'jar@example.com');
    expect(tokens).toEqual({ token_type: 'Bearer', expires_in: 300 });
    const response = await login(gw, 'jar@example.com');
    expect(await response.json()).toEqual({ token_type: 'Bearer', expires_in: 300 });
    const cookies = cookiesOf(response);
    expect(cookies.get('authura_access_token')?.attributes).toEqual(expect.arrayContaining(['samesite=strict', 'domain=auth.example.com']));
    expect(response.headers.get('x-auth-token')).toBeNull();
    const jar = {
      authura_access_token: cookieValue(cookies, 'authura_access_token'),
      authura_refresh_token: cookieValue(cookies, 'authura_refresh_token'),
    };
    expect((await gw.call('/user', { headers: cookieHeader(jar) })).status).toBe(200);
    const refreshed = await gw.call('/refresh', { method: 'POST', headers: cookieHeader(jar) });
    expect(await refreshed.json()).toEqual({ token_type: 'Bearer', expires_in: 300 });
    const logout = await gw.call('/logout', { method: 'POST', headers: cookieHeader(jar) });
    expect(await logout.json()).toEqual({ refresh_tokens_revoked: true });
    expect((await gw.call('/refresh', { method: 'POST', headers: cookieHeader(jar) })).status).toBe(401);
  });
});

describe('json delivery (the default)', () => {
  it('sets no cookie, ignores token cookies, and logout on a table without a session version says it revoked nothing', async () => {
    // An Authura table from before session versions: logout cannot revoke, and says so.
    const path = join(mkdtempSync(join(tmpdir(), 'authura-nosv-')), 'users.db');
    new Database(path).exec(`CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL, role TEXT NOT NULL,
      password TEXT NOT NULL, tenant_id TEXT, verified_at TEXT)`);
    const gw = await testApp({ SQLITE_DB_PATH: path });
    try {
      const { tokens } = await signUp(gw, 'plain@example.com');
      const response = await login(gw, 'plain@example.com');
      expect(response.headers.getSetCookie()).toEqual([]);
      expect(response.headers.get('x-auth-token')).toBeNull();
      expect((await gw.call('/user', { headers: cookieHeader({ authura_access_token: tokens.access_token }) })).status).toBe(401);
      const logout = await gw.call('/logout', { json: { refresh_token: tokens.refresh_token } });
      expect(logout.headers.getSetCookie()).toEqual([]);
      expect(await logout.json()).toEqual({ refresh_tokens_revoked: false });
      expect((await gw.call('/refresh', { json: { refresh_token: tokens.refresh_token } })).status).toBe(200);
      expect(gw.logs.some((l) => l.includes('"event":"logout"') && l.includes('no_session_version'))).toBe(true);
    } finally {
      await gw.close();
    }
  });

  it('refresh tokens issued before the table had a session version stay valid until the first logout', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'authura-addsv-')), 'users.db');
    new Database(path).exec(`CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL, role TEXT NOT NULL,
      password TEXT NOT NULL, tenant_id TEXT, verified_at TEXT)`);
    const before = await testApp({ SQLITE_DB_PATH: path });
    const { tokens } = await signUp(before, 'upgrade@example.com');
    await before.close();
    new Database(path).exec('ALTER TABLE users ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0');
    const after = await testApp({ SQLITE_DB_PATH: path });
    try {
      expect((await after.call('/refresh', { json: { refresh_token: tokens.refresh_token } })).status).toBe(200);
      expect(await (await after.call('/logout', { json: { refresh_token: tokens.refresh_token } })).json()).toEqual({ refresh_tokens_revoked: true });
      expect((await after.call('/refresh', { json: { refresh_token: tokens.refresh_token } })).status).toBe(401);
    } finally {
      await after.close();
    }
  });
});

describe('token delivery configuration', () => {
  it.each([
    [{ TOKEN_DELIVERY: 'header' }, 'TOKEN_DELIVERY'],
    [{ TOKEN_DELIVERY: 'json,carrier-pigeon' }, 'TOKEN_DELIVERY'],
    [{ COOKIE_SAME_SITE: 'sometimes' }, 'COOKIE_SAME_SITE'],
    [{ COOKIE_SAME_SITE: 'none', COOKIE_SECURE: 'false' }, 'COOKIE_SAME_SITE'],
    [{ NODE_ENV: 'production', EXTERNAL_URL: 'https://auth.example.com', VERIFY_REDIRECT_URL: 'https://auth.example.com/form', COOKIE_SECURE: 'false', MAIL_HOST: 'smtp.example.com', MAIL_FROM: 'a@example.com' }, 'COOKIE_SECURE'],
    [{ AUTH_BACKEND: 'http', HTTP_URL: 'http://127.0.0.1:1/users', SESSION_VERSION_COLUMN: 'logouts' }, 'SESSION_VERSION_COLUMN'],
  ])('refuses %o (%s)', (env, variable) => {
    expect(() => loadConfig({ ...SECRETS, ...env }, { devSecrets: false })).toThrow(variable);
  });

  it('accepts COOKIE_SECURE=false outside production (plain-http development)', () => {
    const config = loadConfig({ ...SECRETS, TOKEN_DELIVERY: 'cookie', COOKIE_SECURE: 'false' }, { devSecrets: false });
    expect(config.delivery).toMatchObject({ json: false, cookie: true, header: false, secure: false, sameSite: 'Lax' });
  });
});
