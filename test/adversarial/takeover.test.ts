import Database from 'better-sqlite3';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ListeningGateway, movableClock, signUp, startGateway, STRONG_PASSWORD, tokenOf } from '../fixtures.js';

// The red team's account takeovers, against a real listening gateway and a real SMTP server.
const PASSWORD_CHANGED = 'Your password was changed';
const EMAIL_CHANGED = 'The email address of your account was changed';
const RESET = 'Reset your password';

let gw: ListeningGateway;
const clock = movableClock();
beforeAll(async () => {
  gw = await startGateway(
    { INITIAL_USER_EMAIL: 'root@example.com', INITIAL_USER_PASSWORD: 'Admin-Pass-123!', IMPERSONATION_ENABLED: 'true' },
    { clock },
  );
});
afterAll(() => gw.close());

const login = async (email: string, password = STRONG_PASSWORD) => {
  const response = await gw.call('/token', { json: { email, password } });
  return { status: response.status, body: (await response.json()) as { access_token: string; refresh_token: string } };
};

describe('a stolen access token is not a permanent takeover', () => {
  it('/change-email needs the password, or a sign-in within REAUTH_WINDOW; tokens without auth_time are stale', async () => {
    const { tokens } = await signUp(gw, 'holder@example.com');
    // The token's sign-in is recent: no password needed (the link goes to the new address).
    expect((await gw.call('/change-email', { json: { email: 'holder-1@example.com' }, bearer: tokens.access_token })).status).toBe(200);
    await gw.mail.next('holder-1@example.com');
    // Six minutes later, the same token alone is not enough.
    clock.advance(6 * 60_000);
    const stale = await gw.call('/change-email', { json: { email: 'thief@evil.example' }, bearer: tokens.access_token });
    expect(stale.status).toBe(403);
    expect(await stale.json()).toMatchObject({ error: 'reauthentication_required' });
    const wrong = await gw.call('/change-email', { json: { email: 'thief@evil.example', password: 'Guess-Pass-1!' }, bearer: tokens.access_token });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_credentials' });
    const right = await gw.call('/change-email', { json: { email: 'holder-2@example.com', password: STRONG_PASSWORD }, bearer: tokens.access_token });
    expect(right.status).toBe(200);
    await gw.mail.next('holder-2@example.com');
    // A token issued before tokens carried auth_time counts as stale.
    const user = await gw.deps.backend.findByEmail('holder@example.com', null);
    if (!user) throw new Error('no user');
    const old = await gw.deps.tokens.access.sign(user);
    expect(decodeJwt(old)).not.toHaveProperty('auth_time');
    expect((await gw.call('/change-email', { json: { email: 'holder-3@example.com' }, bearer: old })).status).toBe(403);
    expect(gw.mail.mails.filter((m) => m.to === 'thief@evil.example')).toHaveLength(0);
  });

  it('the old address is told of a change, with a link that moves the account back and ends every session', async () => {
    const { tokens } = await signUp(gw, 'owner@example.com');
    await gw.call('/change-email', { json: { email: 'stolen@evil.example' }, bearer: tokens.access_token });
    const moved = await gw.call('/verify-email', { json: { token: tokenOf((await gw.mail.next('stolen@evil.example')).link) } });
    expect(moved.status).toBe(200);
    const thief = (await moved.json()) as { tokens: { refresh_token: string } };
    const notice = await gw.mail.next('owner@example.com', EMAIL_CHANGED);
    expect(notice.text).toContain('stolen@evil.example');
    const revert = tokenOf(notice.link);

    const back = await gw.call('/verify-email', { json: { token: revert } });
    expect(back.status).toBe(200);
    expect(await back.json()).toEqual({ user: expect.objectContaining({ email: 'owner@example.com' }), email_restored: true, reset_mailed: true });
    // Every session ended (the thief's refresh token too), the old password is gone, a reset waits.
    expect((await gw.call('/refresh', { json: { refresh_token: thief.tokens.refresh_token } })).status).toBe(401);
    expect((await login('owner@example.com')).status).toBe(401);
    const reset = await gw.mail.next('owner@example.com', RESET);
    expect((await gw.call('/verify-email', { json: { token: tokenOf(reset.link), password: 'Owner-Again-1!' } })).status).toBe(200);
    expect((await login('owner@example.com', 'Owner-Again-1!')).status).toBe(200);
    // The link works once.
    expect((await gw.call('/verify-email', { json: { token: revert } })).status).toBe(401);
  });

  it('moves back only while the old address is free', async () => {
    const { tokens } = await signUp(gw, 'first@example.com');
    await gw.call('/change-email', { json: { email: 'second@example.com' }, bearer: tokens.access_token });
    await gw.call('/verify-email', { json: { token: tokenOf((await gw.mail.next('second@example.com')).link) } });
    const revert = tokenOf((await gw.mail.next('first@example.com', EMAIL_CHANGED)).link);
    await signUp(gw, 'first@example.com', 'Someone-Else-1!');
    const taken = await gw.call('/verify-email', { json: { token: revert } });
    expect(taken.status).toBe(409);
    expect((await login('second@example.com')).status).toBe(200);
  });

  it('every password change or reset is told to the account — also past the per-address mail limit', async () => {
    const limited = await startGateway({ MAIL_PER_ADDRESS_PER_HOUR: '1', SQLITE_DB_PATH: gw.dbPath }, { smtp: gw.smtp });
    try {
      const { tokens } = await signUp(gw, 'told@example.com');
      expect((await limited.call('/change-password', { json: { old_password: STRONG_PASSWORD, new_password: 'Told-Pass-22!' }, bearer: tokens.access_token })).status).toBe(200);
      await gw.mail.next('told@example.com', PASSWORD_CHANGED);
      // The one mail of the hour: a reset link; its use is still told.
      expect((await limited.call('/reset-password', { json: { email: 'told@example.com' } })).status).toBe(200);
      const reset = tokenOf((await gw.mail.next('told@example.com', RESET)).link);
      expect((await limited.call('/reset-password', { json: { email: 'told@example.com' } })).status).toBe(429);
      expect((await limited.call('/verify-email', { json: { token: reset, password: 'Told-Pass-33!' } })).status).toBe(200);
      await gw.mail.next('told@example.com', PASSWORD_CHANGED);
    } finally {
      await limited.close();
    }
  });

  it('a notice that cannot be sent is a 5xx, and nothing is written', async () => {
    const { tokens } = await signUp(gw, 'quiet@example.com');
    gw.smtp.options = { reject: { code: 550, message: 'mailbox unavailable' } };
    try {
      const change = await gw.call('/change-password', { json: { old_password: STRONG_PASSWORD, new_password: 'Quiet-Pass-22!' }, bearer: tokens.access_token });
      expect(change.status).toBe(502);
    } finally {
      gw.smtp.options = {};
    }
    expect((await login('quiet@example.com')).status).toBe(200);
  });
});

describe('links work once, whatever happens to their account', () => {
  it('a signup link is refused after its account was deleted (and once used, also at the same time)', async () => {
    await gw.call('/signup', { json: { email: 'once@example.com' } });
    const token = tokenOf((await gw.mail.next('once@example.com')).link);
    const uses = await Promise.all(Array.from({ length: 5 }, () => gw.call('/verify-email', { json: { token, password: STRONG_PASSWORD } })));
    expect(uses.map((r) => r.status).sort()).toEqual([200, 401, 401, 401, 401]);
    const db = new Database(gw.dbPath);
    db.prepare('DELETE FROM users WHERE email = ?').run('once@example.com');
    db.close();
    expect((await gw.call('/verify-email', { json: { token, password: STRONG_PASSWORD } })).status).toBe(401);
    expect(await gw.deps.backend.findByEmail('once@example.com', null)).toBeNull();
  });

  it('an invitation holds while its admin still is one, with the same session version; older invitations are refused', async () => {
    const admin = await login('root@example.com', 'Admin-Pass-123!');
    const invite = async (email: string) => {
      expect((await gw.call('/invite', { json: { email }, bearer: admin.body.access_token })).status).toBe(200);
      return tokenOf((await gw.mail.next(email)).link);
    };
    const accept = (token: string) => gw.call('/verify-email', { json: { token, password: STRONG_PASSWORD } });
    const kept = await invite('kept@example.com');
    const afterLogout = await invite('late@example.com');
    expect((await accept(kept)).status).toBe(200);
    expect((await accept(kept)).status).toBe(401);
    // The admin logs out everywhere: invitations they sent before are void.
    expect(await (await gw.call('/logout', { json: { refresh_token: admin.body.refresh_token } })).json()).toEqual({ refresh_tokens_revoked: true });
    const refused = await accept(afterLogout);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: 'invalid_token' });
    // An invitation mailed before invitations named their admin.
    const root = await gw.deps.backend.findByEmail('root@example.com', null);
    if (!root) throw new Error('no admin');
    const legacy = await gw.deps.tokens.link.sign('invite', { email: 'legacy@example.com', tenantId: null, role: 'user' });
    expect((await accept(legacy)).status).toBe(401);
    // A demoted admin's invitations are void too.
    const again = await login('root@example.com', 'Admin-Pass-123!');
    const pending = await (async () => {
      expect((await gw.call('/invite', { json: { email: 'pending@example.com' }, bearer: again.body.access_token })).status).toBe(200);
      return tokenOf((await gw.mail.next('pending@example.com')).link);
    })();
    await gw.deps.backend.update(root.id, null, { role: 'user' });
    expect((await accept(pending)).status).toBe(401);
    await gw.deps.backend.update(root.id, null, { role: 'admin' });
  });
});
