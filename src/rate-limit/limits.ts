import { AppError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { RateStoreError, type RateStore } from './store.js';

/** The limits' settings (RATE_PER_MINUTE, LOGIN_*, MAIL_PER_ADDRESS_PER_HOUR, RATE_LIMIT_REDIS_URL). */
export interface LimitsSettings {
  /** Requests a minute per client IP; 0 turns the limit off. */
  readonly perMinute: number;
  readonly freePasswordAttempts: number;
  readonly maxBackoffMs: number;
  /** 0 turns the limit off. */
  readonly mailsPerAddressPerHour: number;
  readonly redisUrl: string | undefined;
}

/** Where a client stands against the per-IP limit. */
interface IpAllowance {
  /** The RateLimit-* headers every answer carries. */
  readonly headers: Readonly<Record<string, string>>;
  /** Set past the limit: the 429 to answer with. */
  readonly refusal: AppError | undefined;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Failed password checks are remembered this long. */
const FAILURE_WINDOW_MS = HOUR;

export interface Limits {
  /** Counts a request of `ip` against RATE_PER_MINUTE; `undefined` when that limit is off. */
  readonly perIp: ((ip: string) => Promise<IpAllowance>) | undefined;
  /** Throws 429 while `key` (account + IP) is in a backoff after failed password checks. */
  beforePasswordCheck(key: string): Promise<void>;
  /** Records a failed check: past the free attempts, each failure doubles the backoff. */
  passwordFailed(key: string): Promise<void>;
  passwordSucceeded(key: string): Promise<void>;
  /** Throws 429 when `address` has had its mails for the hour, whoever asks. */
  beforeMail(address: string, tenantId: string | null): Promise<void>;
  close(): Promise<void>;
}

/** The key of a password check: the account and the client, so nobody can lock out a victim. */
export const passwordKey = (tenantId: string | null, email: string, ip: string) => `${tenantId ?? ''}\u0000${email}\u0000${ip}`;

export function createLimits(config: LimitsSettings, store: RateStore, logger: Logger): Limits {
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
    perIp:
      config.perMinute === 0
        ? undefined
        : async (ip) => {
            const { count, resetMs } = await guarded(() => store.increment(`ip:${ip}`, MINUTE));
            const headers = {
              'RateLimit-Limit': String(config.perMinute),
              'RateLimit-Remaining': String(Math.max(0, config.perMinute - count)),
              'RateLimit-Reset': String(Math.max(0, Math.ceil(resetMs / 1000))),
            };
            if (count <= config.perMinute) return { headers, refusal: undefined };
            const refusal = tooMany(`Too many requests: at most ${config.perMinute} a minute`, resetMs);
            refusal.headers = headers;
            return { headers, refusal };
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
