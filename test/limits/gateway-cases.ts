import bcrypt from 'bcryptjs';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackendError } from '../../src/backends/types.js';
import { parseMetrics } from '../helpers/metrics.js';
import { movableClock, STRONG_PASSWORD, signUp, type TestGateway, testApp, tokenOf } from '../fixtures.js';

/**
 * Guessing, flooding and timing over the gateway (issue 17), on one rate-limit store: run by
 * test/limits/guessing.test.ts (memory) and test/system/redis-rate-limit.test.ts (Redis, whose
 * `env()` names it). Work is counted — comparisons, hashes, signatures, lookups — never timed.
 */
export function gatewayLimitCases(name: string, env: () => Record<string, string>): void {
  describe(`limits over the gateway (${name} store)`, () => {
    const open: TestGateway[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((gw) => gw.close()));
    });
    let run = 0;
    /** An address no other case (nor an earlier run on a shared Redis) uses. */
    const unique = (local: string) => `${local}-${Date.now().toString(36)}${++run}@example.com`;
    const start = async (extra: Record<string, string>, clock = movableClock()) => {
      const gw = await testApp({ TRUSTED_PROXIES: 'loopback', RATE_PER_MINUTE: '0', ...env(), ...extra }, { clock });
      open.push(gw);
      return gw;
    };
    const from = (ip: string) => ({ 'X-Forwarded-For': ip });
    const work = async (gw: TestGateway) => {
      const samples = parseMetrics(await (await gw.call('/metrics')).text());
      const jobs = (op: string) => samples.filter((s) => s.name === 'authura_password_jobs_total' && s.labels.op === op).reduce((n, s) => n + s.value, 0);
      return { compares: jobs('compare'), hashes: jobs('hash') };
    };
    const login = (gw: TestGateway, email: string, password: string, ip: string, extra: Record<string, unknown> = {}) =>
      gw.call('/token', { json: { email, password, ...extra }, headers: from(ip) });

    it('guesses sent at once are counted before they run: 50 from one client, 6 compared (5 free + the one that starts the backoff)', async () => {
      const gw = await start({ LOGIN_FREE_ATTEMPTS: '5' });
      const victim = unique('victim');
      await signUp(gw, victim);
      const before = await work(gw);
      const answers = await Promise.all(Array.from({ length: 50 }, () => login(gw, victim, 'Wrong-Pass-1!', '203.0.113.50')));
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses.filter((s) => s === 401)).toHaveLength(6);
      expect(statuses.filter((s) => s === 429)).toHaveLength(44);
      expect((await work(gw)).compares - before.compares).toBe(6);
    });

    it('a check that never compared (the store failed) is not counted', async () => {
      const gw = await start({ LOGIN_FREE_ATTEMPTS: '1', LOGIN_ACCOUNT_MAX_FAILURES: '1' });
      const victim = unique('outage');
      await signUp(gw, victim);
      const outage = vi.spyOn(gw.deps.backend, 'findByEmail').mockRejectedValue(new BackendError('unavailable', 'the store is down'));
      try {
        for (let i = 0; i < 3; i++) expect((await login(gw, victim, 'Wrong-Pass-1!', '203.0.113.90')).status).toBe(503);
      } finally {
        outage.mockRestore();
      }
      // Neither the backoff (1 free) nor the ceiling (1) was spent by the outage.
      expect((await login(gw, victim, 'Wrong-Pass-1!', '203.0.113.90')).status).toBe(401);
      expect((await login(gw, victim, STRONG_PASSWORD, '203.0.113.91')).status).toBe(429);
    });

    it('an IPv6 client is its /64: rotating addresses in it shares one limit and one backoff; ::ffff:a.b.c.d is a.b.c.d', async () => {
      const gw = await start({ RATE_PER_MINUTE: '3', LOGIN_FREE_ATTEMPTS: '2' });
      for (const ip of ['2001:db8:17:1::1', '2001:db8:17:1::2', '2001:db8:17:1:ffff:ffff:ffff:ffff']) expect((await gw.call('/form', { headers: from(ip) })).status).toBe(200);
      expect((await gw.call('/form', { headers: from('2001:db8:17:1::4') })).status).toBe(429);
      expect((await gw.call('/form', { headers: from('2001:db8:17:2::1') })).status).toBe(200); // the next /64
      for (const ip of ['::ffff:198.51.100.17', '198.51.100.17', '::ffff:c633:6411']) expect((await gw.call('/form', { headers: from(ip) })).status).toBe(200);
      expect((await gw.call('/form', { headers: from('198.51.100.17') })).status).toBe(429);

      const guesses = await start({ LOGIN_FREE_ATTEMPTS: '2' });
      const victim = unique('v6');
      await signUp(guesses, victim);
      for (const ip of ['2001:db8:17:9::a', '2001:db8:17:9::b', '2001:db8:17:9::c']) expect((await login(guesses, victim, 'Wrong-Pass-1!', ip)).status).toBe(401);
      expect((await login(guesses, victim, STRONG_PASSWORD, '2001:db8:17:9::d')).status).toBe(429);
      expect((await login(guesses, victim, STRONG_PASSWORD, '2001:db8:17:a::d')).status).toBe(200);

      const per128 = await start({ RATE_PER_MINUTE: '1', RATE_LIMIT_IPV6_PREFIX: '128' });
      expect((await per128.call('/form', { headers: from('2001:db8:17:1::1') })).status).toBe(200);
      expect((await per128.call('/form', { headers: from('2001:db8:17:1::2') })).status).toBe(200);
    });

    it("an account's ceiling stops guesses from every client — known devices excepted — until a reset or the window's end", async () => {
      const clock = movableClock();
      const gw = await start({ LOGIN_ACCOUNT_MAX_FAILURES: '4', LOGIN_ACCOUNT_WINDOW: '24h', LOGIN_FREE_ATTEMPTS: '5' }, clock);
      const victim = unique('ceiling');
      await signUp(gw, victim);
      const home = await login(gw, victim, STRONG_PASSWORD, '192.0.2.1');
      const { device_token: device } = (await home.json()) as { device_token: string };
      expect(device).toEqual(expect.any(String));

      const ghost = unique('ghost'); // no account: answered alike
      for (const email of [victim, ghost]) {
        for (let i = 0; i < 4; i++) expect((await login(gw, email, 'Wrong-Pass-1!', `203.0.113.${100 + i}`)).status).toBe(401);
      }
      const stopped = await login(gw, victim, STRONG_PASSWORD, '203.0.113.200');
      const stoppedGhost = await login(gw, ghost, STRONG_PASSWORD, '203.0.113.200');
      expect(stopped.status).toBe(429);
      expect(await stopped.json()).toEqual(await stoppedGhost.json());
      expect(Number(stopped.headers.get('retry-after'))).toBeGreaterThan(23 * 3600);

      // No comparison runs past the ceiling: 20 more guesses at once cost nothing.
      const before = await work(gw);
      const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => login(gw, victim, 'Wrong-Pass-1!', `198.51.100.${i}`)));
      expect(burst.every((r) => r.status === 429)).toBe(true);
      expect((await work(gw)).compares).toBe(before.compares);

      // The owner's device, from anywhere, still signs in (its token in the body); a wrong password there is a 401.
      expect((await login(gw, victim, 'Wrong-Pass-1!', '192.0.2.99', { device_token: device })).status).toBe(401);
      const again = await login(gw, victim, STRONG_PASSWORD, '192.0.2.99', { device_token: device });
      expect(again.status).toBe(200);
      // Another account's device token, or a forged one, is no key.
      const other = unique('other');
      await signUp(gw, other);
      const otherDevice = ((await (await login(gw, other, STRONG_PASSWORD, '192.0.2.2')).json()) as { device_token: string }).device_token;
      expect((await login(gw, victim, STRONG_PASSWORD, '192.0.2.2', { device_token: otherDevice })).status).toBe(429);
      expect((await login(gw, victim, STRONG_PASSWORD, '192.0.2.2', { device_token: `${device.slice(0, -2)}xx` })).status).toBe(429);

      // A reset proves the owner: the ceiling starts again.
      expect((await gw.call('/reset-password', { json: { email: victim } })).status).toBe(200);
      const reset = tokenOf((await gw.mail.next(victim, 'Reset your password')).link);
      expect((await gw.call('/verify-email', { json: { token: reset, password: 'New-Horse-9!' } })).status).toBe(200);
      expect((await login(gw, victim, 'New-Horse-9!', '203.0.113.201')).status).toBe(200);
      // The ghost's ceiling ends with its window.
      expect((await login(gw, ghost, 'Wrong-Pass-1!', '203.0.113.202')).status).toBe(429);
      clock.advance(24 * 3600 * 1000);
      expect((await login(gw, ghost, 'Wrong-Pass-1!', '203.0.113.202')).status).toBe(401);
    });

    it('with cookie delivery the device token is an HttpOnly cookie, and it is the key', async () => {
      const gw = await start({ LOGIN_ACCOUNT_MAX_FAILURES: '2', TOKEN_DELIVERY: 'cookie', COOKIE_SECURE: 'false' });
      const victim = unique('cookie');
      await signUp(gw, victim);
      const home = await login(gw, victim, STRONG_PASSWORD, '192.0.2.1');
      const cookie = home.headers.getSetCookie().find((c) => c.startsWith('authura_device='));
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      expect(await home.json()).not.toHaveProperty('device_token');
      for (const ip of ['203.0.113.1', '203.0.113.2']) expect((await login(gw, victim, 'Wrong-Pass-1!', ip)).status).toBe(401);
      expect((await login(gw, victim, STRONG_PASSWORD, '203.0.113.3')).status).toBe(429);
      const withCookie = await gw.call('/token', { json: { email: victim, password: STRONG_PASSWORD }, headers: { ...from('203.0.113.3'), Cookie: (cookie ?? '').split(';')[0] as string } });
      expect(withCookie.status).toBe(200);
    });

    it("one inbox's mails: per client and overall, +tags and case counted as one, signed-in senders apart", async () => {
      const gw = await start({ MAIL_PER_ADDRESS_PER_CLIENT_PER_HOUR: '2', MAIL_PER_ADDRESS_PER_HOUR: '3', MAIL_PER_ADDRESS_PER_SENDER_PER_HOUR: '1' });
      const victim = unique('inbox');
      const [local, domain] = victim.split('@') as [string, string];
      const reset = (email: string, ip: string) => gw.call('/reset-password', { json: { email }, headers: from(ip) });
      expect((await reset(victim.toUpperCase(), '203.0.113.1')).status).toBe(200);
      expect((await reset(`${local}+1@${domain}`, '203.0.113.1')).status).toBe(200);
      const third = await reset(`${local}+2@${domain}`, '203.0.113.1');
      expect(third.status).toBe(429);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(3000);
      expect((await reset(victim, '203.0.113.2')).status).toBe(200); // 3 of 3 for the inbox
      expect((await reset(victim, '203.0.113.3')).status).toBe(429);
      // Counting only: each mail went to the address as it was written.
      expect(gw.mail.mails.filter((m) => m.to.endsWith(`@${domain}`) && m.to.startsWith(local)).map((m) => m.to)).toEqual([victim, `${local}+1@${domain}`, victim]);
      // A signed-in user asking to move to that inbox is counted apart (per sender).
      const mover = await signUp(gw, unique('mover'), STRONG_PASSWORD, from('198.51.100.1'));
      const change = (email: string) => gw.call('/change-email', { json: { email, password: STRONG_PASSWORD }, bearer: mover.tokens.access_token, headers: from('198.51.100.1') });
      expect((await change(`${local}+9@${domain}`)).status).toBe(200);
      expect((await change(`${local}+10@${domain}`)).status).toBe(429);
    });

    it('with a captcha solved, mails are counted in buckets of their own', async () => {
      const { startFakeServer, json } = await import('../fakes.js');
      const siteverify = await startFakeServer({ 'POST /siteverify': (_, res) => json(res, 200, { success: true }) });
      try {
        const gw = await start({
          CAPTCHA: 'turnstile',
          TURNSTILE_SECRET_KEY: 'turnstile-secret',
          TURNSTILE_VERIFY_URL: `${siteverify.url}/siteverify`,
          MAIL_PER_ADDRESS_PER_CLIENT_PER_HOUR: '0',
          MAIL_PER_ADDRESS_PER_HOUR: '1',
          MAIL_PER_ADDRESS_CAPTCHA_PER_HOUR: '3',
        });
        const victim = unique('human');
        const reset = (ip: string) => gw.call('/reset-password', { json: { email: victim, 'cf-turnstile-response': 'solved' }, headers: from(ip) });
        for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) expect((await reset(ip)).status).toBe(200);
        expect((await reset('203.0.113.4')).status).toBe(429);
      } finally {
        await siteverify.close();
      }
    });

    it('signup, reset and email change do the same work whether or not the address has an account — and a 429 before any of it', async () => {
      const gw = await start({ MAIL_PER_ADDRESS_PER_CLIENT_PER_HOUR: '1', MAIL_PER_ADDRESS_PER_HOUR: '0', MAIL_PER_ADDRESS_PER_SENDER_PER_HOUR: '1' });
      const caller = await signUp(gw, unique('caller'), STRONG_PASSWORD, from('192.0.2.50'));
      const signatures = vi.spyOn(SignJWT.prototype, 'sign');
      const lookups = vi.spyOn(gw.deps.backend, 'findByEmail');
      const cost = async (path: string, body: Record<string, unknown>, bearer?: string) => {
        signatures.mockClear();
        lookups.mockClear();
        const mails = gw.mail.mails.length;
        const response = await gw.call(path, { json: body, bearer, headers: from('203.0.113.77') });
        return { status: response.status, body: await response.text(), signatures: signatures.mock.calls.length, lookups: lookups.mock.calls.length, mails: gw.mail.mails.length - mails };
      };
      try {
        const flows: Array<[string, (email: string) => Record<string, unknown>, string | undefined]> = [
          ['/signup', (email) => ({ email }), undefined],
          ['/reset-password', (email) => ({ email }), undefined],
          ['/change-email', (email) => ({ email, password: STRONG_PASSWORD }), caller.tokens.access_token],
        ];
        for (const [path, body, bearer] of flows) {
          const taken = unique('taken');
          await signUp(gw, taken, STRONG_PASSWORD, from('192.0.2.50'));
          const free = unique('free');
          const withAccount = await cost(path, body(taken), bearer);
          expect(withAccount, path).toEqual({ status: 200, body: '{}', signatures: 1, lookups: 1, mails: 1 });
          expect(await cost(path, body(free), bearer), path).toEqual(withAccount);
          // A second request for each address is past its limit: refused before any lookup or signature.
          const limited = await cost(path, body(taken), bearer);
          expect(limited, path).toMatchObject({ status: 429, signatures: 0, lookups: 0, mails: 0 });
          expect(await cost(path, body(free), bearer), path).toEqual(limited);
        }
      } finally {
        signatures.mockRestore();
        lookups.mockRestore();
      }
    });

    it('an unknown user, a stored value that is not bcrypt and one of cost 16 each cost one comparison, answered alike; the operator learns which user', async () => {
      const gw = await start({ BCRYPT_COST: '5' });
      const known = unique('known');
      await signUp(gw, known);
      const row = (email: string, password: string) =>
        gw.deps.backend.create({ email, role: 'user', password, tenant_id: null, verified_at: new Date().toISOString() });
      const notBcrypt = await row(unique('plain'), 'Correct-Horse-9');
      const tooCostly = await row(unique('costly'), `$2b$16$${'a'.repeat(53)}`);
      const attempt = async (email: string) => {
        const before = await work(gw);
        const response = await login(gw, email, 'Wrong-Pass-1!', '203.0.113.60');
        const after = await work(gw);
        return { status: response.status, body: await response.text(), compares: after.compares - before.compares, hashes: after.hashes - before.hashes };
      };
      const wrong = await attempt(known);
      expect(wrong).toEqual({ status: 401, body: expect.stringContaining('invalid_credentials'), compares: 1, hashes: 0 });
      for (const email of [unique('nobody'), notBcrypt.email, tooCostly.email]) expect(await attempt(email), email).toEqual(wrong);
      // Even the right password never opens them (the plain-text row holds it verbatim).
      expect((await login(gw, notBcrypt.email, 'Correct-Horse-9', '203.0.113.61')).status).toBe(401);
      const warned = (id: unknown, text: string) => gw.logs.some((line) => line.includes(text) && JSON.parse(line).userId === id);
      expect(warned(notBcrypt.id, 'not a hash format the gateway knows')).toBe(true);
      expect(warned(tooCostly.id, 'cost above 15')).toBe(true);
    });

    it('a sign-in against a hash weaker than BCRYPT_COST stores a stronger one — once, conditionally, without a hook — and ends older sessions once', async () => {
      const { startHookReceiver } = await import('../fakes.js');
      const hook = await startHookReceiver();
      try {
        const gw = await start({ BCRYPT_COST: '5', HOOK_URL: hook.url });
        const legacy = await gw.deps.backend.create({
          email: unique('legacy'),
          role: 'user',
          password: bcrypt.hashSync(STRONG_PASSWORD, 4),
          tenant_id: null,
          verified_at: new Date().toISOString(),
        });
        const earlier = await gw.deps.tokens.issue(legacy); // a session from before the upgrade of its hash
        hook.reset();
        const before = await work(gw);
        // Two sign-ins at once: one write wins, and both sessions are bound to the hash stored now.
        const answers = await Promise.all([1, 2].map((i) => login(gw, legacy.email, STRONG_PASSWORD, `203.0.113.7${i}`)));
        expect(answers.map((a) => a.status)).toEqual([200, 200]);
        const after = await work(gw);
        expect(after.hashes - before.hashes).toBe(2); // each hashed; one stored
        const stored = await gw.deps.backend.findById(legacy.id, null);
        expect(stored?.password).toMatch(/^\$2b\$05\$/);
        expect(bcrypt.compareSync(STRONG_PASSWORD, stored?.password ?? '')).toBe(true);
        expect(hook.calls.filter((c) => c.action === 'create_or_update_user')).toEqual([]);
        for (const answer of answers) {
          const { refresh_token } = (await answer.json()) as { refresh_token: string };
          expect((await gw.call('/refresh', { json: { refresh_token } })).status).toBe(200);
        }
        expect((await gw.call('/refresh', { json: { refresh_token: earlier.refresh_token } })).status).toBe(401);
        // Upward only, and once: the next sign-in hashes nothing.
        const next = await work(gw);
        expect((await login(gw, legacy.email, STRONG_PASSWORD, '203.0.113.79')).status).toBe(200);
        expect((await work(gw)).hashes).toBe(next.hashes);
      } finally {
        await hook.close();
      }
    });
  });
}
