import { z } from 'zod';
import { LOG_LEVELS } from '../core/logger.js';
import { bool, duration, httpUrl, int, list, nodeEnv, optionalInt, optionalSecret, optionalText, text } from './env-fields.js';

/**
 * The environment, variable by variable, with the Authura README's names and defaults.
 * Cross-variable rules live in `load-config.ts`.
 */
export const envSchema = z.object({
  NODE_ENV: nodeEnv,
  AUDIT_URL: httpUrl(),
  METRICS_TOKEN: optionalSecret,
  AUDIT_TIMEOUT: duration('2s', 'ms'),
  AUDIT_MAX_IN_FLIGHT: int(64, 1, 100_000),
  LOG_LEVEL: z.enum(LOG_LEVELS as ['debug', 'info', 'warn', 'error', 'silent']).default('info'),

  // Server
  HOST: text('localhost'),
  WORKERS: int(1, 1, 256),
  HASH_WORKERS: int(0, 0, 256),
  HASH_QUEUE_LIMIT: int(128, 1, 1_000_000),
  BCRYPT_COST: int(10, 4, 15),
  FIREBASE_SCRYPT_SIGNER_KEY: optionalSecret,
  FIREBASE_SCRYPT_SALT_SEPARATOR: optionalText,
  FIREBASE_SCRYPT_ROUNDS: optionalInt(1, 32),
  FIREBASE_SCRYPT_MEM_COST: optionalInt(1, 17),
  PORT: int(9000, 0, 65535),
  HEADERS_TIMEOUT: duration('10s', 'ms'),
  REQUEST_TIMEOUT: duration('30s', 'ms'),
  MAX_CONNECTIONS: int(10_000, 1, 10_000_000),
  STARTUP_TIMEOUT: duration('15s', 'ms'),
  ALLOWED_ORIGINS: list,
  ALLOWED_HOSTS: list,
  HOST_HEADER: text('Host'),
  RATE_PER_MINUTE: int(60, 0, 1_000_000),
  TRUSTED_PROXIES: list,
  TRUSTED_PROXY_HOPS: int(0, 0, 64),
  RATE_LIMIT_REDIS_URL: optionalSecret,
  LOGIN_FREE_ATTEMPTS: int(5, 1, 1000),
  LOGIN_MAX_BACKOFF: duration('15m', 'ms'),
  LOGIN_ACCOUNT_MAX_FAILURES: int(100, 0, 1_000_000),
  LOGIN_ACCOUNT_WINDOW: duration('24h', 'ms'),
  LOGIN_DEVICE_EXPIRATION: duration('720h', 's'),
  RATE_LIMIT_IPV6_PREFIX: int(64, 1, 128),
  MAIL_PER_ADDRESS_PER_HOUR: int(10, 0, 100_000),
  MAIL_PER_ADDRESS_PER_CLIENT_PER_HOUR: int(3, 0, 100_000),
  MAIL_PER_ADDRESS_CAPTCHA_PER_HOUR: int(20, 0, 100_000),
  MAIL_PER_ADDRESS_PER_SENDER_PER_HOUR: int(5, 0, 100_000),

  // Various
  ADMIN_ROLE: text('admin'),
  DEFAULT_ROLE: text('user'),
  ROLE_COLUMN_LIST: bool(false),
  VERIFY_REDIRECT_URL: httpUrl(),
  ALLOWED_REDIRECT_ORIGINS: list,
  EXTERNAL_URL: httpUrl(),
  JWT_ISSUER: optionalText,
  SIGNUP_DISABLED: bool(false),
  IMPERSONATION_ENABLED: bool(false),

  // Passwordless sign-in by email
  PASSWORDLESS_ENABLED: bool(false),
  PASSWORDLESS_CODE_LENGTH: int(6, 6, 10),
  PASSWORDLESS_EXPIRATION: duration('10m', 's'),
  PASSWORDLESS_MAX_ATTEMPTS: int(5, 1, 20),
  PASSWORDLESS_MAX_FAILURES: int(20, 0, 1000),

  // Admin API
  ADMIN_PORT: optionalInt(0, 65535),
  ADMIN_HOST: text('127.0.0.1'),
  ADMIN_API_KEYS: list,
  ADMIN_RATE_PER_MINUTE: int(600, 0, 1_000_000),

  // Passkeys (WebAuthn)
  PASSKEYS_ENABLED: bool(false),
  WEBAUTHN_RP_ID: optionalText,
  WEBAUTHN_RP_NAME: text('Authura'),
  WEBAUTHN_ORIGINS: list,

  // Second factors
  MFA_ENABLED: bool(false),
  MFA_ENCRYPTION_KEY: optionalSecret,
  MFA_ENCRYPTION_KEY_PREVIOUS: list,
  MFA_REQUIRED_ROLES: list,
  MFA_TOTP_ISSUER: text('Authura'),
  MFA_MAX_ATTEMPTS: int(5, 1, 20),
  MFA_MAX_FAILURES: int(20, 0, 1000),

  // Token delivery and logout
  TOKEN_DELIVERY: list,
  COOKIE_DOMAIN: optionalText,
  COOKIE_SAME_SITE: z
    .string()
    .trim()
    .toLowerCase()
    .optional()
    .transform((v) => (v === undefined || v === '' ? 'lax' : v))
    .pipe(z.enum(['lax', 'strict', 'none'], { error: 'expected lax, strict or none' })),
  COOKIE_SECURE: bool(true),
  SESSION_VERSION_COLUMN: optionalText,

  // Captcha
  CAPTCHA: optionalText,
  TURNSTILE_SECRET_KEY: optionalSecret,
  TURNSTILE_SITE_KEY: optionalText,
  TURNSTILE_SCRIPT: httpUrl('https://challenges.cloudflare.com/turnstile/v0/api.js'),
  TURNSTILE_VERIFY_URL: httpUrl('https://challenges.cloudflare.com/turnstile/v0/siteverify'),
  CAPTCHA_TIMEOUT: duration('5s', 'ms'),

  // Multi-tenancy
  MULTI_TENANT_ENABLED: bool(false),
  TENANT_ID_HEADER: text('X-Tenant-ID'),

  // JWT
  JWT_SECRET: optionalSecret,
  JWT_REFRESH_SECRET: optionalSecret,
  JWT_VERIFY_SECRET: optionalSecret,
  JWT_SECRET_PREVIOUS: list,
  JWT_REFRESH_SECRET_PREVIOUS: list,
  JWT_VERIFY_SECRET_PREVIOUS: list,
  JWT_ALGORITHM: z.enum(['HS256', 'EdDSA', 'RS256']).default('HS256'),
  JWT_PRIVATE_KEYS: optionalSecret,
  JWT_KEYS_FILE: text('.authura/dev-keys.json'),
  JWT_AUDIENCE: optionalText,
  JWT_EXPIRATION: duration('5m', 's'),
  JWT_REFRESH_EXPIRATION: duration('720h', 's'),
  JWT_VERIFY_EXPIRATION: duration('1h', 's'),
  EMAIL_REVERT_EXPIRATION: duration('168h', 's'),
  REAUTH_WINDOW: duration('5m', 's'),
  JWT_SECRETS_FILE: text('.authura/dev-secrets.json'),
  JWT_EXTENSIONS: list,
  JWT_ENV_EXTENSION_NAMESPACE: optionalText,
  JWT_ENV_EXTENSION_CLAIMS: optionalText,
  HASURA_CLAIMS_NAMESPACE: text('https://hasura.io/jwt/claims'),
  JWT_CLAIMS_QUERY: optionalText,
  JWT_CLAIMS_MAP: optionalText,
  JWT_CLAIMS_NAMESPACE: text('https://authura.dev/claims'),
  HASURA_CLAIMS_FORMAT: z.enum(['json', 'stringified_json']).default('json'),
  HASURA_ROLE_MAP: list,
  HASURA_ALLOW_ADMIN_ROLE: bool(false),
  IMPERSONATION_EXPIRATION: duration('5m', 's'),

  // Backends
  AUTH_BACKEND: z.enum(['sqlite', 'postgres', 'hasura', 'http']).default('sqlite'),
  BACKEND_TIMEOUT: duration('5s', 'ms'),
  INITIAL_USER_EMAIL: optionalText,
  INITIAL_USER_PASSWORD: optionalSecret,
  INITIAL_USER_TENANT_ID: optionalText,
  USERS_TABLE: text('users'),
  USERS_COLUMNS: optionalText,
  POSTGRES_DSN: optionalSecret,
  POSTGRES_POOL_SIZE: int(10, 1, 1000),
  POSTGRES_INITIAL_USER_EMAIL: optionalText,
  POSTGRES_INITIAL_USER_PASSWORD: optionalSecret,
  HASURA_URL: httpUrl(),
  HASURA_GRAPHQL_ADMIN_SECRET: optionalSecret,
  HASURA_ID_TYPE: text('Int'),
  SQLITE_DB_PATH: text('./authura.db'),
  EMAIL_LOOKUP: z.enum(['exact', 'insensitive'], { error: 'expected exact or insensitive' }).default('exact'),
  HTTP_URL: httpUrl(),
  HTTP_AUTH_HEADER_KEY: text('Authorization'),
  HTTP_AUTH_HEADER_VALUE: optionalSecret,
  HTTP_CONDITIONAL_UPDATES: bool(false),
  HTTP_SPENT_LINKS_URL: httpUrl(),
  HTTP_MFA_URL: httpUrl(),
  HTTP_PASSKEYS_URL: httpUrl(),
  HTTP_ADMIN_CALLS: list,
  HTTP_CLAIMS_URL: httpUrl(),

  // Mail
  MAIL_HOST: optionalText,
  MAIL_PORT: int(587, 1, 65535),
  MAIL_USER: optionalText,
  MAIL_PASS: optionalSecret,
  MAIL_FROM: optionalText,
  MAIL_SECURE: bool(false),
  MAIL_TIMEOUT: duration('10s', 'ms'),
  MAIL_TEMPLATES_DIR: optionalText,

  // Hooks
  HOOK_URL: httpUrl(),
  HOOK_AUTH_HEADER_KEY: text('Authorization'),
  HOOK_AUTH_HEADER_VALUE: optionalSecret,
  HOOK_TIMEOUT: duration('5s', 'ms'),
  HOOK_SIGNING_SECRET: optionalSecret,

  // OAuth
  OAUTH_PROVIDERS: list,
  GOOGLE_CLIENT_ID: optionalText,
  GOOGLE_CLIENT_SECRET: optionalSecret,
  GOOGLE_AUTHORIZATION_URL: httpUrl('https://accounts.google.com/o/oauth2/v2/auth'),
  GOOGLE_TOKEN_URL: httpUrl('https://oauth2.googleapis.com/token'),
  GOOGLE_USERINFO_URL: httpUrl('https://openidconnect.googleapis.com/v1/userinfo'),
  GITHUB_CLIENT_ID: optionalText,
  GITHUB_CLIENT_SECRET: optionalSecret,
  GITHUB_AUTHORIZATION_URL: httpUrl('https://github.com/login/oauth/authorize'),
  GITHUB_TOKEN_URL: httpUrl('https://github.com/login/oauth/access_token'),
  GITHUB_API_URL: httpUrl('https://api.github.com'),
  OAUTH_TIMEOUT: duration('10s', 'ms'),
});

export type Env = z.output<typeof envSchema>;
