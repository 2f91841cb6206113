import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { movableClock, signUp, STRONG_PASSWORD, type TestGateway, testApp, tokenOf } from './fixtures.js';
import { json, startFakeServer } from './fakes.js';

let gw: TestGateway;
let collector: Awaited<ReturnType<typeof startFakeServer>>;
const clock = movableClock();
/** The event of an audit line the collector received. */
const eventOf = (call: { rawBody: string }) => (JSON.parse(call.rawBody) as { event: string }).event;
beforeAll(async () => {
  collector = await startFakeServer({ 'POST /audit': (_call, res) => json(res, 200, {}) });
  gw = await testApp(
    {
    AUDIT_URL: `${collector.url}/audit`,
    INITIAL_USER_EMAIL: 'root@example.com',
    INITIAL_USER_PASSWORD: 'Admin-Pass-123!',
    IMPERSONATION_ENABLED: 'true',
    RATE_PER_MINUTE: '1000',
    LOGIN_FREE_ATTEMPTS: '1',
    },
    { clock },
  );
});
afterAll(async () => {
  await gw.close();
  await collector.close();
});

const audits = () => gw.logs.filter((l) => l.includes('"audit":true')).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the audit trail', () => {
  it('writes one line per security event, with ids, tenant, IP and request id, and never a secret', async () => {
    const { user, tokens } = await signUp(gw, 'audited@example.com');
    await gw.call('/token', { json: { email: 'audited@example.com', password: 'Wrong-Pass-1!' } });
    await gw.call('/token', { json: { email: 'audited@example.com', password: 'Wrong-Pass-1!' } });
    expect((await gw.call('/token', { json: { email: 'audited@example.com', password: 'Wrong-Pass-1!' } })).status).toBe(429);
    clock.advance(1000); // past the backoff
    const login = (await (await gw.call('/token', { json: { email: 'audited@example.com', password: STRONG_PASSWORD } })).json()) as {
      refresh_token: string;
    };
    await gw.call('/refresh', { json: { refresh_token: login.refresh_token } });
    await gw.call('/change-password', { json: { old_password: STRONG_PASSWORD, new_password: 'Next-Pass-456!' }, bearer: tokens.access_token });
    await gw.call('/change-email', { json: { email: 'moved@example.com' }, bearer: tokens.access_token });
    await gw.call('/verify-email', { json: { token: tokenOf((await gw.mail.next('moved@example.com')).link) } });
    await gw.call('/reset-password', { json: { email: 'moved@example.com' } });
    const admin = (await (await gw.call('/token', { json: { email: 'root@example.com', password: 'Admin-Pass-123!' } })).json()) as { access_token: string };
    await gw.call('/invite', { json: { email: 'new@example.com' }, bearer: admin.access_token });
    await gw.call('/token', { json: { email: 'moved@example.com', password: '' }, bearer: admin.access_token });
    const last = (await (await gw.call('/token', { json: { email: 'moved@example.com', password: 'Next-Pass-456!' } })).json()) as { refresh_token: string };
    expect((await gw.call('/logout', { json: { refresh_token: last.refresh_token } })).status).toBe(200);

    const events = audits().map((a) => a.event);
    for (const event of [
      'signup_requested',
      'account_created',
      'login_failed',
      'rate_limited',
      'login_succeeded',
      'token_refreshed',
      'password_changed',
      'email_change_requested',
      'email_changed',
      'password_reset_requested',
      'user_invited',
      'impersonation',
      'logout',
    ]) {
      expect(events, event).toContain(event);
    }
    const created = audits().find((a) => a.event === 'account_created');
    expect(created).toMatchObject({ user_id: String(user.id), tenant_id: null, ip: '127.0.0.1', request_id: expect.any(String) });
    const impersonation = audits().find((a) => a.event === 'impersonation');
    expect(impersonation?.actor_id).toBeDefined();

    const all = gw.logs.join('\n');
    for (const secret of [STRONG_PASSWORD, 'Next-Pass-456!', 'Wrong-Pass-1!', tokens.access_token, login.refresh_token, last.refresh_token, '$2b$']) {
      expect(all).not.toContain(secret);
    }
    // The same lines reached the collector.
    await collector.arrival((call) => eventOf(call) === 'logout');
    expect(collector.calls.map(eventOf)).toEqual(expect.arrayContaining(['login_succeeded', 'impersonation']));
  });

  it('a collector that is down never slows or fails a request; it is logged', async () => {
    const down = await testApp({ AUDIT_URL: 'http://127.0.0.1:1/audit', AUDIT_TIMEOUT: '500ms' });
    try {
      await signUp(down, 'collector-down@example.com');
      const login = await down.call('/token', { json: { email: 'collector-down@example.com', password: STRONG_PASSWORD } });
      expect(login.status).toBe(200);
      await down.logged('audit collector unreachable');
      expect(down.logs.some((l) => l.includes('"event":"login_succeeded"'))).toBe(true);
    } finally {
      await down.close();
    }
  });

  it('a collector that redirects is not followed (the redirect is logged as a refusal)', async () => {
    const elsewhere = await startFakeServer({ 'POST /audit': (_call, res) => json(res, 200, {}) });
    const redirecting = await startFakeServer({ 'POST /audit': (_call, res) => void res.writeHead(307, { location: `${elsewhere.url}/audit` }).end() });
    const moved = await testApp({ AUDIT_URL: `${redirecting.url}/audit` });
    try {
      await moved.call('/token', { json: { email: 'nobody@example.com', password: 'Wrong-Pass-1!' } });
      expect(await moved.logged('audit collector refused an event')).toContain('"status":307');
      expect(redirecting.calls).toHaveLength(1);
      expect(elsewhere.calls).toHaveLength(0);
    } finally {
      await moved.close();
      await redirecting.close();
      await elsewhere.close();
    }
  });
});
