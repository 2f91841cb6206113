import Database from 'better-sqlite3';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { signUp, STRONG_PASSWORD, tokenOf, useGateway } from '../../test/fixtures.js';

const gw = useGateway();

describe('signup → verify → login → refresh → user', () => {
  it('runs the whole flow (the mails as the templates render them; SMTP itself: test/backends)', async () => {
    const signup = await gw.call('/signup', { json: { email: '  Alice@Example.com ' } });
    expect(signup.status).toBe(200);
    expect(await signup.json()).toEqual({});

    const mail = await gw.mail.next('alice@example.com');
    expect(mail.subject).toBe('Confirm your email address');
    const link = new URL(mail.link ?? '');
    expect(link.origin + link.pathname).toBe('http://localhost:9000/form');
    expect(link.searchParams.get('action')).toBe('verify-email');
    expect(mail.html).toContain(link.searchParams.get('token'));

    const before = gw.deps.clock.now();
    const verify = await gw.call('/verify-email', { json: { token: tokenOf(mail.link), password: STRONG_PASSWORD } });
    const after = gw.deps.clock.now();
    expect(verify.status).toBe(200);
    expect(verify.headers.get('cache-control')).toBe('no-store');
    const verified = (await verify.json()) as { user: Record<string, unknown>; tokens: Record<string, unknown> };
    expect(verified.user).toMatchObject({ email: 'alice@example.com', role: 'user', tenant_id: null });
    expect(typeof verified.user.id).toBe('number');
    // Set by the gateway's clock during the call.
    const verifiedAt = Date.parse(String(verified.user.verified_at));
    expect(verifiedAt).toBeGreaterThanOrEqual(before);
    expect(verifiedAt).toBeLessThanOrEqual(after);
    expect(verified.user).not.toHaveProperty('password');
    expect(verified.tokens).toMatchObject({ token_type: 'Bearer', expires_in: 300 });

    const login = await gw.call('/token', { json: { email: 'ALICE@example.com', password: STRONG_PASSWORD } });
    expect(login.status).toBe(200);
    expect(login.headers.get('cache-control')).toBe('no-store');
    const tokens = (await login.json()) as { access_token: string; refresh_token: string };

    const me = await gw.call('/user', { bearer: tokens.access_token });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ user: verified.user });

    const refreshed = await gw.call('/refresh', { json: { refresh_token: tokens.refresh_token } });
    expect(refreshed.status).toBe(200);
    const again = (await refreshed.json()) as { access_token: string; refresh_token: string };
    expect((await gw.call('/user', { bearer: again.access_token })).status).toBe(200);
  });

  it('accepts form-urlencoded bodies on every endpoint, and no content type as a form', async () => {
    const signup = await gw.call('/signup', { form: { email: 'form@example.com' } });
    expect(signup.status).toBe(200);
    const mail = await gw.mail.next('form@example.com');
    const verify = await gw.call('/verify-email', { form: { token: tokenOf(mail.link), password: STRONG_PASSWORD } });
    expect(verify.status).toBe(200);
    const raw = await gw.call('/token', {
      method: 'POST',
      // A byte body: fetch sends no Content-Type at all.
      body: new TextEncoder().encode(new URLSearchParams({ email: 'form@example.com', password: STRONG_PASSWORD }).toString()),
    });
    expect(raw.status).toBe(200);
    const { refresh_token, access_token } = (await raw.json()) as { refresh_token: string; access_token: string };
    expect((await gw.call('/refresh', { form: { refresh_token } })).status).toBe(200);
    const change = await gw.call('/change-password', {
      form: { old_password: STRONG_PASSWORD, new_password: 'Another-Pass-7' },
      bearer: access_token,
    });
    expect(change.status).toBe(200);
    expect((await gw.call('/reset-password', { form: { email: 'form@example.com' } })).status).toBe(200);
    await gw.mail.next('form@example.com');
  });

  it('keeps one account per address: a second signup mails a notice, not a link', async () => {
    await signUp(gw, 'once@example.com');
    const again = await gw.call('/signup', { json: { email: 'ONCE@example.com' } });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({});
    const notice = await gw.mail.next('once@example.com');
    expect(notice.subject).toBe('You already have an account');
    expect(notice.text).not.toContain('token=');
  });

  it('a signup link works once', async () => {
    await gw.call('/signup', { json: { email: 'single@example.com' } });
    const token = tokenOf((await gw.mail.next('single@example.com')).link);
    expect((await gw.call('/verify-email', { json: { token, password: STRONG_PASSWORD } })).status).toBe(200);
    const reuse = await gw.call('/verify-email', { json: { token, password: 'Other-Pass-1' } });
    expect(reuse.status).toBe(401);
    expect(await reuse.json()).toMatchObject({ error: 'invalid_token' });
    // The first password still holds.
    expect((await gw.call('/token', { json: { email: 'single@example.com', password: STRONG_PASSWORD } })).status).toBe(200);
  });

  it('verifying without a password creates an account whose password only a reset can set', async () => {
    await gw.call('/signup', { json: { email: 'nopass@example.com' } });
    const token = tokenOf((await gw.mail.next('nopass@example.com')).link);
    const verify = await gw.call('/verify-email', { json: { token } });
    expect(verify.status).toBe(200);
    const body = (await verify.json()) as { tokens: { access_token: string } };
    expect((await gw.call('/user', { bearer: body.tokens.access_token })).status).toBe(200);
  });

  it('refuses a weak password at verification and creates nothing', async () => {
    await gw.call('/signup', { json: { email: 'weak@example.com' } });
    const token = tokenOf((await gw.mail.next('weak@example.com')).link);
    const weak = await gw.call('/verify-email', { json: { token, password: 'password' } });
    expect(weak.status).toBe(400);
    expect(await weak.json()).toMatchObject({ error: 'weak_password', issues: [{ path: 'password' }] });
    const db = new Database(gw.dbPath, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM users WHERE email = ?').get('weak@example.com')).toEqual({ n: 0 });
    db.close();
    // The link is still good for a proper password.
    expect((await gw.call('/verify-email', { json: { token, password: STRONG_PASSWORD } })).status).toBe(200);
  });
});

describe('login', () => {
  it('answers a wrong password and an unknown user alike', async () => {
    await signUp(gw, 'bob@example.com');
    const wrong = await gw.call('/token', { json: { email: 'bob@example.com', password: 'Wrong-Pass-1' } });
    const unknown = await gw.call('/token', { json: { email: 'nobody@example.com', password: 'Wrong-Pass-1' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
  });

  it('requires a password unless impersonating', async () => {
    const response = await gw.call('/token', { json: { email: 'bob@example.com' } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'validation_failed', issues: [{ path: 'password' }] });
  });

  it('refuses an unverified account from an existing table until a reset verifies it', async () => {
    const db = new Database(gw.dbPath);
    const bcrypt = await import('bcryptjs');
    db.prepare("INSERT INTO users (email, role, password, tenant_id, verified_at) VALUES (?, 'user', ?, NULL, NULL)").run(
      'legacy@example.com',
      bcrypt.hashSync(STRONG_PASSWORD, 4),
    );
    db.close();
    const login = await gw.call('/token', { json: { email: 'legacy@example.com', password: STRONG_PASSWORD } });
    expect(login.status).toBe(403);
    expect(await login.json()).toMatchObject({ error: 'email_not_verified' });

    await gw.call('/reset-password', { json: { email: 'legacy@example.com' } });
    const token = tokenOf((await gw.mail.next('legacy@example.com')).link);
    const reset = await gw.call('/verify-email', { json: { token, password: 'Brand-New-Pass-2' } });
    expect(reset.status).toBe(200);
    expect(((await reset.json()) as { user: { verified_at: string | null } }).user.verified_at).not.toBeNull();
    expect((await gw.call('/token', { json: { email: 'legacy@example.com', password: 'Brand-New-Pass-2' } })).status).toBe(200);
  });

  it('verifies existing $2a$, $2b$ and $2y$ hashes of any cost', async () => {
    const bcrypt = await import('bcryptjs');
    const db = new Database(gw.dbPath);
    const insert = db.prepare("INSERT INTO users (email, role, password, tenant_id, verified_at) VALUES (?, 'user', ?, NULL, '2025-01-01T00:00:00Z')");
    const base = bcrypt.hashSync(STRONG_PASSWORD, 5); // $2b$05$…
    insert.run('h2a@example.com', base.replace(/^\$2b\$/, '$2a$'));
    insert.run('h2b@example.com', bcrypt.hashSync(STRONG_PASSWORD, 12));
    insert.run('h2y@example.com', base.replace(/^\$2b\$/, '$2y$'));
    insert.run('plain@example.com', STRONG_PASSWORD);
    db.close();
    for (const email of ['h2a@example.com', 'h2b@example.com', 'h2y@example.com']) {
      expect((await gw.call('/token', { json: { email, password: STRONG_PASSWORD } })).status, email).toBe(200);
    }
    // A stored value that is not a bcrypt hash never matches, not even itself.
    expect((await gw.call('/token', { json: { email: 'plain@example.com', password: STRONG_PASSWORD } })).status).toBe(401);
  });
});

describe('password change and reset revoke older tokens', () => {
  it('change-password: old refresh tokens stop working, the new password logs in', async () => {
    const { tokens } = await signUp(gw, 'carol@example.com');
    const wrongOld = await gw.call('/change-password', {
      json: { old_password: 'Not-The-One-1', new_password: 'New-Carol-Pass-1' },
      bearer: tokens.access_token,
    });
    expect(wrongOld.status).toBe(401);
    const weakNew = await gw.call('/change-password', {
      json: { old_password: STRONG_PASSWORD, new_password: 'short' },
      bearer: tokens.access_token,
    });
    expect(weakNew.status).toBe(400);
    expect(await weakNew.json()).toMatchObject({ error: 'weak_password', issues: [{ path: 'new_password' }] });

    const change = await gw.call('/change-password', {
      json: { old_password: STRONG_PASSWORD, new_password: 'New-Carol-Pass-1' },
      bearer: tokens.access_token,
    });
    expect(change.status).toBe(200);
    // The caller's session goes on, with new tokens; every other session ends.
    const renewed = (await change.json()) as { access_token: string; refresh_token: string; token_type: string; expires_in: number };
    expect(renewed).toMatchObject({ access_token: expect.any(String), refresh_token: expect.any(String), token_type: 'Bearer', expires_in: 300 });
    expect((await gw.call('/refresh', { json: { refresh_token: renewed.refresh_token } })).status).toBe(200);
    expect((await gw.call('/user', { bearer: renewed.access_token })).status).toBe(200);
    const refresh = await gw.call('/refresh', { json: { refresh_token: tokens.refresh_token } });
    expect(refresh.status).toBe(401);
    expect(await refresh.json()).toMatchObject({ error: 'invalid_token' });
    expect((await gw.call('/token', { json: { email: 'carol@example.com', password: STRONG_PASSWORD } })).status).toBe(401);
    expect((await gw.call('/token', { json: { email: 'carol@example.com', password: 'New-Carol-Pass-1' } })).status).toBe(200);
  });

  it('reset-password: needs no token, the link works once and revokes older links and refresh tokens', async () => {
    const { tokens } = await signUp(gw, 'dave@example.com');
    expect((await gw.call('/reset-password', { json: { email: 'dave@example.com' } })).status).toBe(200);
    const first = tokenOf((await gw.mail.next('dave@example.com')).link);
    await gw.call('/reset-password', { json: { email: 'dave@example.com' } });
    const second = await gw.mail.next('dave@example.com');
    expect(second.subject).toBe('Reset your password');
    expect(new URL(second.link ?? '').searchParams.get('action')).toBe('reset-password');

    const missing = await gw.call('/verify-email', { json: { token: first } });
    expect(missing.status).toBe(400);
    const reset = await gw.call('/verify-email', { json: { token: first, password: 'Reset-Dave-Pass-3' } });
    expect(reset.status).toBe(200);
    expect((await gw.call('/verify-email', { json: { token: first, password: 'Again-Dave-Pass-4' } })).status).toBe(401);
    expect((await gw.call('/verify-email', { json: { token: tokenOf(second.link), password: 'Again-Dave-Pass-4' } })).status).toBe(401);
    expect((await gw.call('/refresh', { json: { refresh_token: tokens.refresh_token } })).status).toBe(401);
    expect((await gw.call('/token', { json: { email: 'dave@example.com', password: 'Reset-Dave-Pass-3' } })).status).toBe(200);
  });

  it('reset-password answers the same for an unknown address (which gets a notice, no link)', async () => {
    const response = await gw.call('/reset-password', { json: { email: 'ghost@example.com' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    const notice = await gw.mail.next('ghost@example.com');
    expect(notice.subject).toBe('Password reset requested');
    expect(notice.link).toBeUndefined();
  });
});

describe('change-email', () => {
  it('mails a link to the new address; following it moves the account and revokes old tokens', async () => {
    const { tokens } = await signUp(gw, 'erin@example.com');
    const change = await gw.call('/change-email', { json: { email: 'Erin.New@Example.com' }, bearer: tokens.access_token });
    expect(change.status).toBe(200);
    expect(await change.json()).toEqual({});
    const mail = await gw.mail.next('erin.new@example.com');
    expect(mail.subject).toBe('Confirm your new email address');
    const token = tokenOf(mail.link);
    const confirm = await gw.call('/verify-email', { json: { token } });
    expect(confirm.status).toBe(200);
    expect(((await confirm.json()) as { user: { email: string } }).user.email).toBe('erin.new@example.com');
    expect((await gw.call('/verify-email', { json: { token } })).status).toBe(401);
    expect((await gw.call('/refresh', { json: { refresh_token: tokens.refresh_token } })).status).toBe(401);
    expect((await gw.call('/token', { json: { email: 'erin.new@example.com', password: STRONG_PASSWORD } })).status).toBe(200);
    expect((await gw.call('/token', { json: { email: 'erin@example.com', password: STRONG_PASSWORD } })).status).toBe(401);
  });

  it('to an address already taken: the same answer, and the owner gets a notice', async () => {
    await signUp(gw, 'taken@example.com');
    const { tokens } = await signUp(gw, 'frank@example.com');
    const change = await gw.call('/change-email', { json: { email: 'taken@example.com' }, bearer: tokens.access_token });
    expect(change.status).toBe(200);
    expect((await gw.mail.next('taken@example.com')).subject).toBe('You already have an account');
  });

  it('needs an access token', async () => {
    const response = await gw.call('/change-email', { json: { email: 'x@example.com' } });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'unauthorized' });
  });
});

describe('redirect_url', () => {
  it('builds the mailed link on an allowed redirect_url', async () => {
    const response = await gw.call('/signup', { json: { email: 'redir@example.com', redirect_url: 'http://localhost:9000/welcome?x=1' } });
    expect(response.status).toBe(200);
    const link = new URL((await gw.mail.next('redir@example.com')).link ?? '');
    expect(link.pathname).toBe('/welcome');
    expect(link.searchParams.get('x')).toBe('1');
    expect(link.searchParams.get('action')).toBe('verify-email');
  });

  it.each([
    'https://evil.example/form',
    'javascript:alert(1)',
    '//evil.example/form',
    'http://localhost:9000@evil.example/',
    'http://user:pass@localhost:9000/form',
    'http://localhost:9001/form',
    'not a url',
  ])('refuses %s and sends nothing', async (redirect_url) => {
    const response = await gw.call('/signup', { json: { email: 'victim@example.com', redirect_url } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_redirect_url' });
    expect(gw.mail.mails.filter((m) => m.to === 'victim@example.com')).toHaveLength(0);
  });
});

describe('how and when a session began (amr, auth_time)', () => {
  const claimsOf = (token: string) => decodeJwt(token);

  it('a mailed link signs in with email, a password with pwd; a refresh keeps both unchanged', async () => {
    const verified = await signUp(gw, 'amr@example.com');
    const fromLink = claimsOf(verified.tokens.access_token);
    expect(fromLink.amr).toEqual(['email']);
    expect(claimsOf(verified.tokens.refresh_token)).toMatchObject({ amr: ['email'], auth_time: fromLink.auth_time });

    const seconds = () => Math.floor(gw.deps.clock.now() / 1000);
    const before = seconds();
    const login = (await (await gw.call('/token', { json: { email: 'amr@example.com', password: STRONG_PASSWORD } })).json()) as { access_token: string; refresh_token: string };
    const after = seconds();
    const signedIn = claimsOf(login.access_token);
    expect(signedIn.amr).toEqual(['pwd']);
    // The time of this sign-in, on the gateway's clock.
    expect(signedIn.auth_time).toBeGreaterThanOrEqual(before);
    expect(signedIn.auth_time).toBeLessThanOrEqual(after);

    const refreshed = (await (await gw.call('/refresh', { json: { refresh_token: login.refresh_token } })).json()) as { access_token: string; refresh_token: string };
    for (const token of [refreshed.access_token, refreshed.refresh_token]) {
      expect(claimsOf(token)).toMatchObject({ amr: ['pwd'], auth_time: signedIn.auth_time });
    }
  });

  it('a refresh token issued before sessions carried them gives tokens without amr and auth_time', async () => {
    const { user } = await signUp(gw, 'old-session@example.com');
    const stored = await gw.deps.backend.findById(String(user.id), null);
    if (!stored) throw new Error('no user');
    // What an earlier release issued: no amr, no auth_time.
    const old = await gw.deps.tokens.refresh.sign(stored);
    const refreshed = (await (await gw.call('/refresh', { json: { refresh_token: old } })).json()) as { access_token: string };
    expect(claimsOf(refreshed.access_token)).not.toHaveProperty('amr');
    expect(claimsOf(refreshed.access_token)).not.toHaveProperty('auth_time');
  });
});
