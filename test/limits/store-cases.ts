import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import { createLimits, type LimitsSettings } from '../../src/rate-limit/limits.js';
import type { MailLimitSettings } from '../../src/rate-limit/mail-limits.js';
import type { AttemptRequest, RateStore } from '../../src/rate-limit/store.js';
import type { Clock } from '../../src/core/clock.js';

/** A clock that moves only when told to. */
type SteppedClock = Clock & { advance(ms: number): void };

/**
 * What every rate-limit store must do — this process's memory and Redis alike — run by
 * src/rate-limit/store.test.ts (memory) and test/system/redis-rate-limit.test.ts (Redis). Windows
 * are on the injected clock: nothing waits.
 */
export function rateStoreCases(name: string, open: (clock: Clock) => Promise<RateStore>): void {
  describe(`the ${name} rate-limit store`, () => {
    let time = Date.now();
    const clock: SteppedClock = {
      now: () => time,
      advance(ms) {
        time += ms;
      },
    };
    let store: RateStore;
    let n = 0;
    /** A key no other case uses (a shared Redis keeps keys between cases). */
    const fresh = (what: string) => `${what}-${Date.now()}-${++n}`;
    beforeAll(async () => {
      store = await open(clock);
    });
    afterAll(() => store?.close());

    const attemptOf = (extra: Partial<AttemptRequest> = {}): AttemptRequest => {
      const id = fresh('pair');
      return { failures: `f-${id}`, block: `b-${id}`, failureWindowMs: 3_600_000, freeAttempts: 3, maxBackoffMs: 8000, ...extra };
    };

    it('counts hits in a window that ends on the clock', async () => {
      const key = fresh('hit');
      expect(await store.hit(key, 60_000)).toEqual({ count: 1, resetMs: 60_000 });
      clock.advance(10_000);
      expect(await store.hit(key, 60_000)).toEqual({ count: 2, resetMs: 50_000 });
      clock.advance(50_000);
      expect(await store.hit(key, 60_000)).toEqual({ count: 1, resetMs: 60_000 });
    });

    it('takes from several buckets all or nothing, and gives back', async () => {
      const small = { key: fresh('small'), windowMs: 60_000, limit: 2 };
      const large = { key: fresh('large'), windowMs: 120_000, limit: 3 };
      expect(await store.take([small, large])).toBeNull();
      expect(await store.take([small, large])).toBeNull();
      // `small` is full: nothing is taken from `large` either.
      expect(await store.take([small, large])).toBe(60_000);
      expect(await store.take([large])).toBeNull();
      expect(await store.take([large])).toBe(120_000); // 3 of 3: the third only from `large` alone
      await store.give([small.key, large.key]);
      expect(await store.take([small, large])).toBeNull();
      clock.advance(60_000);
      expect(await store.take([small])).toBeNull(); // a new window
      await store.give([fresh('never-taken')]); // nothing to give back: no error, nothing created
    });

    it('of 50 takes at once from a bucket of 5, exactly 5 succeed', async () => {
      const bucket = { key: fresh('race'), windowMs: 60_000, limit: 5 };
      const results = await Promise.all(Array.from({ length: 50 }, () => store.take([bucket])));
      expect(results.filter((r) => r === null)).toHaveLength(5);
    });

    it('counts a password attempt before it runs; past the free ones the backoff doubles up to its maximum', async () => {
      const request = attemptOf();
      for (let i = 0; i < 3; i++) expect(await store.attempt(request)).toEqual({ allowed: true });
      expect(await store.attempt(request)).toEqual({ allowed: true }); // the 4th runs, and backs the next off 1 s
      expect(await store.attempt(request)).toEqual({ allowed: false, reason: 'backoff', resetMs: 1000 });
      clock.advance(1000);
      expect(await store.attempt(request)).toEqual({ allowed: true });
      expect(await store.attempt(request)).toEqual({ allowed: false, reason: 'backoff', resetMs: 2000 });
      for (const expected of [4000, 8000, 8000]) {
        clock.advance(8000);
        expect(await store.attempt(request)).toEqual({ allowed: true });
        expect(await store.attempt(request)).toEqual({ allowed: false, reason: 'backoff', resetMs: expected });
      }
      // A success (the caller deletes the pair's keys) starts afresh.
      await store.delete([request.failures, request.block]);
      for (let i = 0; i < 4; i++) expect(await store.attempt(request)).toEqual({ allowed: true });
    });

    it('of 50 attempts at once, only the free ones and the one that sets the backoff run', async () => {
      const request = attemptOf();
      const results = await Promise.all(Array.from({ length: 50 }, () => store.attempt(request)));
      expect(results.filter((r) => r.allowed)).toHaveLength(4);
    });

    it("an account's ceiling counts attempts from every client, and stops them all", async () => {
      const account = { key: fresh('account'), windowMs: 86_400_000, limit: 5 };
      const clients = Array.from({ length: 5 }, () => attemptOf({ account }));
      for (const client of clients) expect(await store.attempt(client)).toEqual({ allowed: true });
      expect(await store.attempt(attemptOf({ account }))).toEqual({ allowed: false, reason: 'account', resetMs: 86_400_000 });
      // A client the ceiling does not apply to (a known device) still runs, and is not counted.
      const device = attemptOf();
      expect(await store.attempt(device)).toEqual({ allowed: true });
      // A success gives its count back: one more attempt from anywhere.
      await store.give([account.key]);
      expect(await store.attempt(attemptOf({ account }))).toEqual({ allowed: true });
      expect((await store.attempt(attemptOf({ account }))).allowed).toBe(false);
      clock.advance(86_400_000);
      expect(await store.attempt(attemptOf({ account }))).toEqual({ allowed: true });
    });

    it('of 40 attempts at once from 40 clients against a ceiling of 10, exactly 10 run', async () => {
      const account = { key: fresh('account-race'), windowMs: 86_400_000, limit: 10 };
      const results = await Promise.all(Array.from({ length: 40 }, () => store.attempt(attemptOf({ account }))));
      expect(results.filter((r) => r.allowed)).toHaveLength(10);
    });
  });
}

/**
 * The limits built on a store — mail buckets and client keys — the same on every store; run next
 * to {@link rateStoreCases}.
 */
export function limitsCases(name: string, open: (clock: Clock) => Promise<RateStore>): void {
  describe(`limits on the ${name} store`, () => {
    let store: RateStore;
    let run = 0;
    beforeAll(async () => {
      store = await open({ now: () => 1_700_000_000_000 });
    });
    afterAll(() => store?.close());

    const limitsWith = (mail: Partial<MailLimitSettings> = {}, extra: Partial<LimitsSettings> = {}) => {
      // A shared Redis keeps keys between cases: each case counts in its own tenant.
      const tenant = `t${Date.now()}-${++run}`;
      const limits = createLimits(
        {
          perMinute: 3,
          adminPerMinute: 0,
          freePasswordAttempts: 5,
          maxBackoffMs: 60_000,
          accountMaxFailures: 0,
          accountWindowMs: 86_400_000,
          ipv6Prefix: 64,
          mail: { perAddress: 3, perAddressPerClient: 2, captchaPerAddress: 2, perAddressPerSender: 2, ...mail },
          redisUrl: undefined,
          ...extra,
        },
        { ...store, close: async () => {} },
        createLogger('silent'),
      );
      return { limits, tenant };
    };
    const anonymous = (clientIp: string, captchaSolved = false) => ({ kind: 'anonymous', clientIp, captchaSolved }) as const;
    const refused = (promise: Promise<unknown>) => expect(promise).rejects.toMatchObject({ code: 'rate_limited' });

    it('counts one inbox however its address is written (case, +tag), per client and overall', async () => {
      const { limits, tenant } = limitsWith();
      await limits.mail.reserve('Victim@Example.com', tenant, anonymous('203.0.113.1'));
      await limits.mail.reserve('victim+1@example.com', tenant, anonymous('203.0.113.1'));
      await refused(limits.mail.reserve('victim+2@example.com', tenant, anonymous('203.0.113.1')));
      await limits.mail.reserve('victim+3@example.com', tenant, anonymous('203.0.113.2')); // 3 of 3 for the inbox
      await refused(limits.mail.reserve('victim@example.com', tenant, anonymous('203.0.113.3')));
      // Another inbox is another count; a dotted or differently tagged local part of another user too.
      await limits.mail.reserve('vic.tim@example.com', tenant, anonymous('203.0.113.1'));
    });

    it('keeps captcha solvers and signed-in senders out of the buckets an anonymous flood fills', async () => {
      const { limits, tenant } = limitsWith();
      for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) await limits.mail.reserve('victim@example.com', tenant, anonymous(ip));
      await refused(limits.mail.reserve('victim@example.com', tenant, anonymous('198.51.100.9')));
      // The victim solving a captcha, and a signed-in sender, still get through.
      await limits.mail.reserve('victim@example.com', tenant, anonymous('198.51.100.9', true));
      await limits.mail.reserve('victim@example.com', tenant, { kind: 'user', userId: '7' });
      await limits.mail.reserve('victim+x@example.com', tenant, { kind: 'user', userId: '7' });
      await refused(limits.mail.reserve('victim@example.com', tenant, { kind: 'user', userId: '7' })); // 2 per sender
      await limits.mail.reserve('victim@example.com', tenant, { kind: 'user', userId: '8' });
      // Captcha solvers have their own per-client and overall buckets.
      await limits.mail.reserve('victim@example.com', tenant, anonymous('198.51.100.10', true));
      await refused(limits.mail.reserve('victim@example.com', tenant, anonymous('198.51.100.11', true)));
    });

    it('gives a mail back when it was not sent; 0 turns a bucket off', async () => {
      const { limits, tenant } = limitsWith({ perAddress: 0 });
      const first = await limits.mail.reserve('victim@example.com', tenant, anonymous('203.0.113.1'));
      await limits.mail.reserve('victim@example.com', tenant, anonymous('203.0.113.1'));
      await refused(limits.mail.reserve('victim@example.com', tenant, anonymous('203.0.113.1')));
      await first.refund();
      await limits.mail.reserve('victim@example.com', tenant, anonymous('203.0.113.1'));
      // No overall bucket: other clients are limited only by their own.
      for (let i = 0; i < 5; i++) await limits.mail.reserve('victim@example.com', tenant, anonymous(`203.0.113.${10 + i}`));
    });

    it('counts a client per IPv4 address or IPv6 /64; an IPv4-mapped address is its IPv4 one', async () => {
      const { limits } = limitsWith({}, { perMinute: 3 });
      const count = async (ip: string) => (await (limits.perIp as NonNullable<typeof limits.perIp>)(ip)).refusal === undefined;
      const net = `2001:db8:${run.toString(16)}:${(Date.now() % 65536).toString(16)}`;
      expect(await count(`${net}::1`)).toBe(true);
      expect(await count(`${net}:ffff::2`)).toBe(true);
      expect(await count(`${net}:1:2:3:4`)).toBe(true);
      expect(await count(`${net}::5`)).toBe(false); // the same /64, rotated
      const v4 = `198.51.${run % 256}.${Date.now() % 256}`;
      expect(await count(`::ffff:${v4}`)).toBe(true);
      expect(await count(v4)).toBe(true);
      expect(await count(`::FFFF:${v4}`)).toBe(true);
      expect(await count(v4)).toBe(false);
      // With a prefix of 128, every address is its own client.
      const { limits: per128 } = limitsWith({}, { perMinute: 1, ipv6Prefix: 128 });
      const one = async (ip: string) => (await (per128.perIp as NonNullable<typeof per128.perIp>)(ip)).refusal === undefined;
      expect(await one(`${net}::a`)).toBe(true);
      expect(await one(`${net}::b`)).toBe(true);
      expect(await one(`${net}::a`)).toBe(false);
    });
  });
}
