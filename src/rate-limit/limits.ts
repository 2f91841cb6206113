import { AppError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { clientKey } from './client-key.js';
import { type MailLimits, type MailLimitSettings, mailLimits } from './mail-limits.js';
import { tooMany } from './refusal.js';
import { RateStoreError, type RateStore } from './store.js';

/** The limits' settings (RATE_PER_MINUTE, LOGIN_*, MAIL_PER_*, RATE_LIMIT_*). */
export interface LimitsSettings {
  /** Requests a minute per client; 0 turns the limit off. */
  readonly perMinute: number;
  readonly freePasswordAttempts: number;
  readonly maxBackoffMs: number;
  /** Failed password checks of one account, from every client, per `accountWindowMs`; 0: no ceiling. */
  readonly accountMaxFailures: number;
  readonly accountWindowMs: number;
  /** The IPv6 network one client is counted as (bits). */
  readonly ipv6Prefix: number;
  readonly mail: MailLimitSettings;
  readonly redisUrl: string | undefined;
  /** Admin API calls a minute per key (ADMIN_RATE_PER_MINUTE); 0: no limit. */
  readonly adminPerMinute: number;
}

/** Where a client stands against the per-IP limit. */
interface IpAllowance {
  /** The RateLimit-* headers every answer carries. */
  readonly headers: Readonly<Record<string, string>>;
  /** Set past the limit: the 429 to answer with. */
  readonly refusal: AppError | undefined;
}

/** Who makes a password check: the account it is for, from where, and whether from a known device. */
interface PasswordChecker {
  readonly tenantId: string | null;
  readonly email: string;
  readonly clientIp: string;
  /** Presents a device token an earlier sign-in to this account gave it: the account's ceiling does not apply. */
  readonly knownDevice: boolean;
}

/** A password check that was let through and counted as a failure; a success takes that back. */
interface PasswordAttempt {
  /** The password matched: this account and client start afresh, the account's count is given back. */
  succeeded(): Promise<void>;
  /** No comparison took place (a dependency failed): the count is given back. */
  cancelled(): Promise<void>;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Failed password checks of one account from one client are remembered this long. */
const FAILURE_WINDOW_MS = HOUR;

export interface Limits {
  /** Counts a request of `ip` against RATE_PER_MINUTE; `undefined` when that limit is off. */
  readonly perIp: ((ip: string) => Promise<IpAllowance>) | undefined;
  /**
   * Counts a password check before it runs (so concurrent guesses are counted too): 429 while
   * this account and client are backed off, or while the account is past its ceiling of
   * failures (unless from a known device).
   */
  passwordAttempt(checker: PasswordChecker): Promise<PasswordAttempt>;
  /** The account proved its owner (a password reset): its ceiling starts again. */
  accountRecovered(tenantId: string | null, email: string): Promise<void>;
  /** Counts an admin API call of key `keyId`: 429 past ADMIN_RATE_PER_MINUTE. */
  adminCall(keyId: string): Promise<void>;
  readonly mail: MailLimits;
  /** Resolves when the counters' store answers (Redis: readiness); rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

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
  const client = (ip: string) => clientKey(ip, config.ipv6Prefix);
  const accountKey = (tenantId: string | null, email: string) => `acct\u0000${tenantId ?? ''}\u0000${email}`;

  return {
    perIp:
      config.perMinute === 0
        ? undefined
        : async (ip) => {
            const { count, resetMs } = await guarded(() => store.hit(`ip\u0000${client(ip)}`, MINUTE));
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

    async adminCall(keyId) {
      if (config.adminPerMinute === 0) return;
      const { count, resetMs } = await guarded(() => store.hit(`admin\u0000${keyId}`, MINUTE));
      if (count > config.adminPerMinute) throw tooMany(`Too many admin calls: at most ${config.adminPerMinute} a minute for this key`, resetMs);
    },

    async passwordAttempt({ tenantId, email, clientIp, knownDevice }) {
      const pair = `${tenantId ?? ''}\u0000${email}\u0000${client(clientIp)}`;
      const keys = { failures: `pwfail\u0000${pair}`, block: `pwblock\u0000${pair}` };
      const account =
        config.accountMaxFailures > 0 && !knownDevice
          ? { key: accountKey(tenantId, email), windowMs: config.accountWindowMs, limit: config.accountMaxFailures }
          : undefined;
      const result = await guarded(() =>
        store.attempt({ ...keys, failureWindowMs: FAILURE_WINDOW_MS, freeAttempts: config.freePasswordAttempts, maxBackoffMs: config.maxBackoffMs, account }),
      );
      if (!result.allowed) {
        throw result.reason === 'backoff'
          ? tooMany('Too many failed attempts: wait before trying again', result.resetMs)
          : tooMany('Too many failed sign-ins to this account: reset the password, or sign in from a device that signed in before', result.resetMs);
      }
      return {
        succeeded: () =>
          guarded(async () => {
            await store.delete([keys.failures, keys.block]);
            if (account) await store.give([account.key]);
          }),
        cancelled: () => guarded(() => store.give([keys.failures, ...(account ? [account.key] : [])])),
      };
    },

    accountRecovered: (tenantId, email) => guarded(() => store.delete([accountKey(tenantId, email)])),

    mail: mailLimits(config.mail, store, { guarded, client }),

    ping: () => store.ping(),
    close: () => store.close(),
  };
}
