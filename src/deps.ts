import type { AppServices } from './api/services.js';
import { createBackend } from './backends/create-backend.js';
import { createCaptcha } from './captcha/turnstile.js';
import type { Config } from './config/types.js';
import { type Clock, systemClock } from './core/clock.js';
import { createLogger, type Logger } from './core/logger.js';
import { createExtensions } from './extensions/create-extensions.js';
import { createHookClient } from './hooks/hook-client.js';
import type { UserBackend } from './backends/types.js';
import { createMailer, type Mailer } from './mail/mailer.js';
import { mfaKeys } from './mfa/keys.js';
import type { Mfa } from './mfa/types.js';
import type { Passkeys } from './passkeys/types.js';
import { createAudit } from './observability/audit.js';
import { createMetrics, observedBackend, observedHashPool, observedHooks } from './observability/metrics.js';
import { createHasher } from './passwords/hasher.js';
import { createHashPool } from './passwords/worker-pool.js';
import { createLimits } from './rate-limit/limits.js';
import { createMemoryStore } from './rate-limit/store.js';
import { chooseSpentLinks } from './links/spent-links.js';
import { checkMail, waitForBackend, warnAboutMixedCaseEmails } from './process/startup.js';
import { createTokens } from './tokens/tokens.js';

/** Everything the app needs, built once at start (or by a test) and passed to `createApp`. */
export type Deps = AppServices;

interface BuildOptions {
  readonly logger?: Logger;
  /** Where audit lines go (stdout by default; tests capture them). */
  readonly auditWrite?: (line: string) => void;
  /** The time the gateway's own timers read (tests move it instead of sleeping). */
  readonly clock?: Clock;
  /** Another mail transport (tests keep the mails in process); the configured one otherwise. */
  readonly mailer?: Mailer;
  /** How GET /metrics gathers its text (a cluster's gateway process asks the primary for every process's). */
  readonly scrape?: Parameters<typeof createMetrics>[0];
}

/** Features whose codes count their tries in the spend-once store: production refuses one a restart empties. */
function memoryRefusedBy(config: Config): string | undefined {
  const features = [config.passwordless.enabled && 'PASSWORDLESS_ENABLED', config.mfa.enabled && 'MFA_ENABLED', config.passkeys.enabled && 'PASSKEYS_ENABLED'].filter(
    (f): f is string => typeof f === 'string',
  );
  return config.production && features.length > 0 ? `${features.join(' and ')} in production` : undefined;
}

/** MFA_ENABLED: the backend must keep second factors (its `mfa` capability, found at start). */
async function secondFactors(backend: UserBackend, settings: Config['mfa']): Promise<Mfa> {
  const { mfa: capable } = await backend.capabilities();
  if (!capable || !backend.mfa) {
    throw new Error(
      `MFA_ENABLED needs the ${backend.kind} backend to keep second factors, and it has nowhere to: run npm run migrate (Postgres), track the authura_mfa table (Hasura) or set HTTP_MFA_URL (http)`,
    );
  }
  return { store: backend.mfa, keys: mfaKeys(settings.encryptionKey, settings.previousKeys), settings };
}

/** PASSKEYS_ENABLED: the backend must keep passkeys (its `passkeys` capability, found at start). */
async function passkeyStore(backend: UserBackend, settings: Config['passkeys']): Promise<Passkeys> {
  const { passkeys: capable } = await backend.capabilities();
  if (!capable || !backend.passkeys) {
    throw new Error(
      `PASSKEYS_ENABLED needs the ${backend.kind} backend to keep passkeys, and it has nowhere to: run npm run migrate (Postgres), track the authura_passkeys table (Hasura) or set HTTP_PASSKEYS_URL (http)`,
    );
  }
  return { store: backend.passkeys, settings };
}

/** Builds every dependency from the config. */
export async function buildDeps(config: Config, options: BuildOptions = {}): Promise<Deps> {
  const { logger = createLogger(config.logLevel), clock = systemClock } = options;
  const metrics = createMetrics(options.scrape);
  const backend = observedBackend(await createBackend(config.backend, logger), metrics);
  // The start fails fast on what cannot work, and waits (STARTUP_TIMEOUT) for what may come.
  await waitForBackend(backend, { timeoutMs: config.server.startupTimeoutMs, clock, logger });
  await warnAboutMixedCaseEmails(backend, config.backend.emailLookup, logger);
  const mailer = options.mailer ?? (await createMailer(config.mail, logger));
  await checkMail(mailer, { production: config.production, logger, up: (ok) => metrics.mailUp(ok) });
  const pool = observedHashPool(createHashPool({ size: config.passwords.threads, queueLimit: config.passwords.queueLimit }), metrics);
  return {
    config,
    clock,
    logger,
    metrics,
    audit: createAudit(config.audit, logger, { write: options.auditWrite, onDropped: () => metrics.auditDropped(), clock }),
    backend,
    tokens: await createTokens(config.jwt, config.tenancy.enabled, config.passwordless),
    mailer,
    hasher: await createHasher(pool, {
      cost: config.passwords.cost,
      firebase: config.passwords.firebase,
      // Memory-hard checks (argon2, scrypt) may take up to 256 MiB each: two at a time at most.
      memoryHardConcurrency: Math.min(2, config.passwords.threads),
      queueLimit: config.passwords.queueLimit,
    }),
    hooks: observedHooks(createHookClient(config.hooks), metrics),
    extensions: createExtensions(config.jwt.extensions, { defaultRole: config.roles.default, multiTenant: config.tenancy.enabled }),
    // Optional features load their libraries only when configured (memory and start-up time).
    oauthProviders:
      config.oauth.providers.length > 0
        ? (await import('./oauth/create-providers.js')).createOAuthProviders(config.oauth, config.urls.external)
        : new Map(),
    captcha: createCaptcha(config.captcha),
    spentLinks: await chooseSpentLinks({
      // Passwordless codes count their tries in it: production refuses one a restart empties.
      memoryRefused: memoryRefusedBy(config),
      backend,
      redisUrl: config.limits.redisUrl,
      workers: config.server.workers,
      timeoutMs: config.backend.timeoutMs,
      clock,
      warn: (message) => logger.warn(message),
    }),
    mfa: config.mfa.enabled ? await secondFactors(backend, config.mfa) : undefined,
    passkeys: config.passkeys.enabled ? await passkeyStore(backend, config.passkeys) : undefined,
    limits: createLimits(
      config.limits,
      config.limits.redisUrl
        ? (await import('./rate-limit/redis-store.js')).createRedisStore(config.limits.redisUrl, { timeoutMs: config.backend.timeoutMs, clock })
        : createMemoryStore(clock),
      logger,
    ),
  };
}
