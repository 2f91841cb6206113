import { availableParallelism } from 'node:os';
import type { Env } from './env-schema.js';
import type { Config, Report } from './types.js';

type ServerSection = Pick<
  Config,
  | 'logLevel'
  | 'server'
  | 'passwords'
  | 'roles'
  | 'signupDisabled'
  | 'impersonationEnabled'
  | 'passwordless'
  | 'reauthWindow'
  | 'limits'
  | 'captcha'
  | 'audit'
  | 'metricsToken'
  | 'metricsServed'
>;

/** The process and its guards: listening, workers, hashing, roles and switches, limits, captcha, audit and metrics. */
export function parseServer(env: Env, report: Report): ServerSection {
  if (env.REQUEST_TIMEOUT < env.HEADERS_TIMEOUT) report.problem('REQUEST_TIMEOUT', 'must be at least HEADERS_TIMEOUT (the headers are part of the request)');
  if (env.ADMIN_ROLE === env.DEFAULT_ROLE) report.problem('DEFAULT_ROLE', 'must differ from ADMIN_ROLE');
  if (env.CAPTCHA !== undefined && env.CAPTCHA !== 'turnstile') report.problem('CAPTCHA', `unknown provider "${env.CAPTCHA}" (available: turnstile)`);
  if (env.CAPTCHA === 'turnstile' && env.TURNSTILE_SECRET_KEY === undefined) report.problem('TURNSTILE_SECRET_KEY', 'required with CAPTCHA=turnstile');
  if (env.PASSWORDLESS_EXPIRATION > 3600) report.problem('PASSWORDLESS_EXPIRATION', 'must be at most 1h: a short code must not live long');
  const metricsServed = !report.production || env.METRICS_TOKEN !== undefined;
  if (!metricsServed) report.warn('METRICS_TOKEN is not set: /metrics is not served in production (set it to scrape the gateway)');
  return {
    logLevel: env.LOG_LEVEL,
    server: {
      host: env.HOST,
      port: env.PORT,
      workers: env.WORKERS,
      headersTimeoutMs: env.HEADERS_TIMEOUT,
      requestTimeoutMs: env.REQUEST_TIMEOUT,
      maxConnections: env.MAX_CONNECTIONS,
      startupTimeoutMs: env.STARTUP_TIMEOUT,
    },
    passwords: {
      // Every core by default, shared between the processes.
      threads: env.HASH_WORKERS || Math.max(1, Math.floor(availableParallelism() / env.WORKERS)),
      queueLimit: env.HASH_QUEUE_LIMIT,
      cost: env.BCRYPT_COST,
      firebase: firebaseScrypt(env, report),
    },
    roles: { admin: env.ADMIN_ROLE, default: env.DEFAULT_ROLE, listColumn: env.ROLE_COLUMN_LIST },
    signupDisabled: env.SIGNUP_DISABLED,
    impersonationEnabled: env.IMPERSONATION_ENABLED,
    passwordless: {
      enabled: env.PASSWORDLESS_ENABLED,
      codeLength: env.PASSWORDLESS_CODE_LENGTH,
      ttl: env.PASSWORDLESS_EXPIRATION,
      maxAttempts: env.PASSWORDLESS_MAX_ATTEMPTS,
      maxFailures: env.PASSWORDLESS_MAX_FAILURES,
    },
    reauthWindow: env.REAUTH_WINDOW,
    limits: {
      perMinute: env.RATE_PER_MINUTE,
      freePasswordAttempts: env.LOGIN_FREE_ATTEMPTS,
      maxBackoffMs: env.LOGIN_MAX_BACKOFF,
      accountMaxFailures: env.LOGIN_ACCOUNT_MAX_FAILURES,
      accountWindowMs: env.LOGIN_ACCOUNT_WINDOW,
      ipv6Prefix: env.RATE_LIMIT_IPV6_PREFIX,
      mail: {
        perAddress: env.MAIL_PER_ADDRESS_PER_HOUR,
        perAddressPerClient: env.MAIL_PER_ADDRESS_PER_CLIENT_PER_HOUR,
        captchaPerAddress: env.MAIL_PER_ADDRESS_CAPTCHA_PER_HOUR,
        perAddressPerSender: env.MAIL_PER_ADDRESS_PER_SENDER_PER_HOUR,
      },
      redisUrl: env.RATE_LIMIT_REDIS_URL,
      adminPerMinute: env.ADMIN_RATE_PER_MINUTE,
    },
    captcha:
      env.CAPTCHA === 'turnstile'
        ? {
            secretKey: env.TURNSTILE_SECRET_KEY ?? '',
            siteKey: env.TURNSTILE_SITE_KEY,
            script: env.TURNSTILE_SCRIPT as string,
            verifyUrl: env.TURNSTILE_VERIFY_URL as string,
            timeoutMs: env.CAPTCHA_TIMEOUT,
          }
        : undefined,
    audit: { url: env.AUDIT_URL, timeoutMs: env.AUDIT_TIMEOUT, maxInFlight: env.AUDIT_MAX_IN_FLIGHT },
    metricsToken: env.METRICS_TOKEN,
    metricsServed,
  };
}

/**
 * FIREBASE_SCRYPT_*: the password hash parameters of the Firebase project users were exported
 * from (its console, "Password hash parameters"). All four or none.
 */
function firebaseScrypt(env: Env, report: Report): Config['passwords']['firebase'] {
  const { FIREBASE_SCRYPT_SIGNER_KEY: signerKey, FIREBASE_SCRYPT_SALT_SEPARATOR: saltSeparator, FIREBASE_SCRYPT_ROUNDS: rounds, FIREBASE_SCRYPT_MEM_COST: memCost } = env;
  const given = [signerKey, saltSeparator, rounds, memCost].filter((v) => v !== undefined).length;
  if (given === 0) return undefined;
  if (given < 4) {
    report.problem('FIREBASE_SCRYPT_SIGNER_KEY', 'FIREBASE_SCRYPT_SIGNER_KEY, _SALT_SEPARATOR, _ROUNDS and _MEM_COST go together: set all four or none');
    return undefined;
  }
  for (const [name, value] of [['FIREBASE_SCRYPT_SIGNER_KEY', signerKey], ['FIREBASE_SCRYPT_SALT_SEPARATOR', saltSeparator]] as const) {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value as string)) report.problem(name, 'must be base64, as the Firebase console shows it');
  }
  return { signerKey: signerKey as string, saltSeparator: saltSeparator as string, rounds: rounds as number, memCost: memCost as number };
}
