import type { MiddlewareHandler } from 'hono';
import type { Config } from '../config/load-config.js';
import type { AppEnv } from '../http/context.js';
import { AppError } from '../http/errors.js';
import type { Logger } from '../logger.js';
import { RateStoreError, type RateStore } from './store.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Failed password checks are remembered this long. */
const FAILURE_WINDOW_MS = HOUR;

export interface Limits {
  /** RATE_PER_MINUTE per client IP, with RateLimit headers on every answer. */
  /** `undefined` when RATE_PER_MINUTE is 0: there is nothing to mount. */
  perIp(): MiddlewareHandler<AppEnv> | undefined;
  /** Throws 429 while `key` (account + IP) is in a backoff after failed password checks. */
  beforePasswordCheck(key: string): Promise<void>;
  /** Records a failed check: past the free attempts, each failure doubles the backoff. */
  passwordFailed(key: string): Promise<void>;
  passwordSucceeded(key: string): Promise<void>;
  /** Throws 429 when `address` has had its mails for the hour, whoever asks. */
  beforeMail(address: string, tenantId: string | null): Promise<void>;
  close(): Promise<void>;
}

export type LimitsConfig = Config['limits'];

/** The key of a password check: the account and the client, so nobody can lock out a victim. */
export const passwordKey = (tenantId: string | null, email: string, ip: string) => `${tenantId ?? ''}\u0000${email}\u0000${ip}`;

export function createLimits(config: LimitsConfig, store: RateStore, logger: Logger): Limits {
  const guarded = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof RateStoreError) {
        logger.error('rate-limit store unavailable', { error: (error.cause as Error | undefined)?.message });
        throw new AppError('rate_limit_unavailable', 'Rate limiting is unavailable; please try again later', { cause: error });
      }
      throw error;
    }
  };
  const tooMany = (message: string, resetMs: number) =>
    new AppError('rate_limited', message, { retryAfterSeconds: Math.max(1, Math.ceil(resetMs / 1000)) });

  return {
    perIp() {
      if (config.perMinute === 0) return undefined;
      return async function rateLimit(c, next) {
        const { count, resetMs } = await guarded(() => store.increment(`ip:${c.get('clientIp')}`, MINUTE));
        const headers = {
          'RateLimit-Limit': String(config.perMinute),
          'RateLimit-Remaining': String(Math.max(0, config.perMinute - count)),
          'RateLimit-Reset': String(Math.max(0, Math.ceil(resetMs / 1000))),
        };
        if (count > config.perMinute) {
          const error = tooMany(`Too many requests: at most ${config.perMinute} a minute`, resetMs);
          error.headers = headers;
          throw error;
        }
        await next();
        for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
      };
    },

    async beforePasswordCheck(key) {
      const blocked = await guarded(() => store.get(`pwblock:${key}`));
      if (blocked) throw tooMany('Too many failed attempts: wait before trying again', blocked.resetMs);
    },

    async passwordFailed(key) {
      const { count } = await guarded(() => store.increment(`pwfail:${key}`, FAILURE_WINDOW_MS));
      const over = count - config.freePasswordAttempts;
      if (over > 0) {
        // 1 s after the first failure past the free ones, then 2 s, 4 s, … up to the maximum.
        const backoffMs = Math.min(config.maxBackoffMs, 1000 * 2 ** Math.min(over - 1, 30));
        await guarded(async () => {
          await store.delete(`pwblock:${key}`);
          await store.increment(`pwblock:${key}`, backoffMs);
        });
      }
    },

    async passwordSucceeded(key) {
      await guarded(() => store.delete(`pwfail:${key}`));
    },

    async beforeMail(address, tenantId) {
      if (config.mailsPerAddressPerHour === 0) return;
      const { count, resetMs } = await guarded(() => store.increment(`mail:${tenantId ?? ''}\u0000${address}`, HOUR));
      if (count > config.mailsPerAddressPerHour) {
        throw tooMany('Too many mails to this address: wait before asking again', resetMs);
      }
    },

    close: () => store.close(),
  };
}
