import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { envSchema, type Env } from './schema.js';
import { loadDevKey, loadDevSecrets, type DevSecrets } from './dev-secrets.js';
import { checkPasswordPolicy } from '../passwords/policy.js';
import { isIdentifier, isTableName, parseColumnMap, type ColumnMap, type SessionVersionSetting } from '../backends/columns.js';
import { envExtension } from '../extensions/env.js';
import { parseTrustedProxies } from '../http/client-ip.js';

export type BackendKind = Env['AUTH_BACKEND'];
export type LogLevel = Env['LOG_LEVEL'];

export type MailConfig =
  | { kind: 'dummy' }
  | {
      kind: 'smtp';
      host: string;
      port: number;
      secure: boolean;
      user: string | undefined;
      pass: string | undefined;
      from: string;
      timeoutMs: number;
    };

/** The whole configuration, parsed once at start. Nothing reads `process.env` after this. */
export interface Config {
  readonly production: boolean;
  /** What the start should warn about (logged once by the process that starts). */
  readonly warnings: readonly string[];
  readonly logLevel: LogLevel;
  /** Audit lines are also POSTed here when set. */
  readonly audit: {
    readonly url: string | undefined;
    readonly timeoutMs: number;
    /** Events on their way to `url` at once; past it, events are dropped (and counted). */
    readonly maxInFlight: number;
  };
  /** Bearer token /metrics requires, when set. */
  readonly metricsToken: string | undefined;
  /** False in production without METRICS_TOKEN: /metrics is then not served at all. */
  readonly metricsServed: boolean;
  readonly server: {
    readonly host: string;
    readonly port: number;
    /** Processes (node:cluster) sharing the port. */
    readonly workers: number;
    /** Node's limits on a connection: all headers within, the whole request within. */
    readonly headersTimeoutMs: number;
    readonly requestTimeoutMs: number;
    /** Open connections per process; past it new ones are closed at once. */
    readonly maxConnections: number;
  };
  readonly passwords: {
    /** Hashing threads per process. */
    readonly threads: number;
    /** Jobs that may wait for a thread before requests get a 503. */
    readonly queueLimit: number;
    readonly cost: number;
  };
  readonly roles: { readonly admin: string; readonly default: string };
  readonly signupDisabled: boolean;
  /** Where issued tokens go (TOKEN_DELIVERY): the JSON body, cookies, the X-Auth-Token header. */
  readonly delivery: {
    readonly json: boolean;
    readonly cookie: boolean;
    readonly header: boolean;
    readonly cookieDomain: string | undefined;
    readonly sameSite: 'Lax' | 'Strict' | 'None';
    readonly secure: boolean;
  };
  readonly impersonationEnabled: boolean;
  readonly urls: {
    /** Where mailed links point unless the request names an allowed `redirect_url`. */
    readonly verifyRedirect: string;
    readonly external: string;
    /** Origins a `redirect_url` may point to (the default redirect's origin is always in). */
    readonly allowedRedirectOrigins: readonly string[];
  };
  readonly tenancy: {
    readonly enabled: boolean;
    readonly tenantHeader: string;
    readonly hostHeader: string;
    /** Hosts the gateway answers for (ALLOWED_HOSTS, lower case; empty: any); with tenancy, tenants too. */
    readonly allowedHosts: readonly string[];
  };
  readonly jwt: {
    readonly accessSecret: string;
    readonly refreshSecret: string;
    readonly verifySecret: string;
    readonly accessTtl: number;
    readonly refreshTtl: number;
    readonly verifyTtl: number;
    readonly issuer: string;
    /** Access tokens' algorithm; refresh and mailed tokens are always HS256. */
    readonly algorithm: 'HS256' | 'EdDSA' | 'RS256';
    /** EdDSA/RS256: private keys (PKCS#8 PEM or JWK JSON), the first signs. */
    readonly privateKeys: readonly string[];
    /** Retired secrets that still verify (rotation). */
    readonly previousSecrets: { readonly access: readonly string[]; readonly refresh: readonly string[]; readonly verify: readonly string[] };
    /** The access tokens' `aud`; `{tenant}` is replaced by the tenant id. */
    readonly audience: string | undefined;
    /** Lifetime of an impersonation access token (never longer than `accessTtl`). */
    readonly impersonationTtl: number;
    readonly extensions: readonly ExtensionConfig[];
    /** True when some secret was generated for development rather than configured. */
    readonly generatedSecrets: boolean;
  };
  readonly backend: {
    readonly kind: BackendKind;
    readonly timeoutMs: number;
    readonly sqlitePath: string;
    readonly table: string;
    readonly columns: ColumnMap;
    /**
     * The per-user counter logout bumps (SESSION_VERSION_COLUMN): `auto` uses a
     * `session_version` column when the SQL table has one; `off` never does.
     */
    readonly sessionVersion: SessionVersionSetting;
    readonly postgres: { readonly dsn: string; readonly poolSize: number };
    readonly hasura: { readonly url: string; readonly adminSecret: string | undefined; readonly idType: string };
    readonly http: { readonly url: string; readonly authHeader: { readonly name: string; readonly value: string } | undefined };
    readonly initialUser:
      | { readonly email: string; readonly password: string; readonly tenantId: string | null }
      | undefined;
  };
  readonly mail: MailConfig & { readonly templatesDir: string | undefined };
  readonly limits: {
    /** Requests a minute per client IP; 0 turns the limit off. */
    readonly perMinute: number;
    readonly freePasswordAttempts: number;
    readonly maxBackoffMs: number;
    /** 0 turns the limit off. */
    readonly mailsPerAddressPerHour: number;
    readonly redisUrl: string | undefined;
  };
  /** TRUSTED_PROXIES, parsed (IPs, CIDRs, `loopback`, `private`). */
  readonly trustedProxies: readonly string[];
  /** TRUSTED_PROXY_HOPS: the client is this many X-Forwarded-For entries from the right (0: walk by trust). */
  readonly trustedProxyHops: number;
  readonly cors: {
    /** Full origins (`https://app.example.com`) allowed to call with credentials. */
    readonly origins: readonly string[];
    /** `*` in ALLOWED_ORIGINS (development only): any origin, never with credentials. */
    readonly any: boolean;
  };
  readonly oauth: { readonly providers: readonly OAuthProviderConfig[]; readonly timeoutMs: number };
  /** Turnstile; `undefined` when CAPTCHA is not set. */
  readonly captcha:
    | {
        readonly secretKey: string;
        /** Without it /form shows no widget (the API still requires tokens). */
        readonly siteKey: string | undefined;
        readonly script: string;
        readonly verifyUrl: string;
        readonly timeoutMs: number;
      }
    | undefined;
  /** Webhooks; `undefined` when HOOK_URL is not set. */
  readonly hooks:
    | {
        readonly url: string;
        readonly timeoutMs: number;
        readonly authHeader: { readonly name: string; readonly value: string } | undefined;
        readonly signingSecret: string | undefined;
      }
    | undefined;
}

export interface ConfigProblem {
  readonly variable: string;
  readonly message: string;
}

/** Thrown with every problem found, so an operator fixes them in one go. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface LoadConfigOptions {
  /** Where development secrets are kept when none are configured; `false` disables generation. */
  readonly devSecrets?: ((path: string) => DevSecrets) | false;
}

const MIN_PRODUCTION_SECRET_BYTES = 32;

export interface OAuthProviderConfig {
  readonly name: 'google' | 'github';
  readonly clientId: string;
  readonly clientSecret: string;
  readonly authorizationUrl: string;
  readonly tokenUrl: string;
  /** Google: the userinfo endpoint; GitHub: the API base. */
  readonly apiUrl: string;
}

/** Top-level claims the gateway sets itself; no extension may write them, in any letter case. */
export const RESERVED_CLAIMS = new Set([
  'sub', 'exp', 'iat', 'nbf', 'iss', 'aud', 'jti', 'typ', 'email', 'role', 'tid', 'tenant', 'tenant_id',
  'verified_at', 'act', 'hook_data',
]);

export const isReservedClaim = (name: string) => {
  const lower = name.toLowerCase();
  return RESERVED_CLAIMS.has(lower) || lower.startsWith('x-hasura-');
};

export type ExtensionConfig =
  | {
      readonly name: 'hasura';
      readonly namespace: string;
      readonly format: 'json' | 'stringified_json';
      /** HASURA_ROLE_MAP: the gateway's role → the role Hasura gets (unlisted roles pass as they are). */
      readonly roleMap: Readonly<Record<string, string>>;
      /** Whether the claims may name Hasura's own `admin` role (which bypasses every permission). */
      readonly allowAdminRole: boolean;
    }
  | { readonly name: 'env'; readonly namespace: string; readonly claims: string };

/**
 * Parses and checks the environment. Throws a {@link ConfigError} listing every problem.
 * Reads a development secrets file (creating it if needed) only outside production.
 */
export function loadConfig(source: Record<string, string | undefined>, options: LoadConfigOptions = {}): Config {
  const problems: ConfigProblem[] = [];
  const problem = (variable: string, message: string) => problems.push({ variable, message });
  const warnings: string[] = [];
  let parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    // Report these, then check the rest with the defaults in their place, so that one run
    // lists every problem.
    const invalid = zodProblems(parsed.error);
    problems.push(...invalid);
    const bad = new Set(invalid.map((p) => p.variable));
    parsed = envSchema.safeParse(Object.fromEntries(Object.entries(source).filter(([name]) => !bad.has(name))));
    if (!parsed.success) throw new ConfigError(problems);
  }
  const env = parsed.data;
  const production = env.NODE_ENV === 'production';

  // OAuth providers
  const oauthProviders: OAuthProviderConfig[] = [];
  for (const name of new Set(env.OAUTH_PROVIDERS.map((p) => p.toLowerCase()))) {
    if (name !== 'google' && name !== 'github') {
      problem('OAUTH_PROVIDERS', `unknown provider "${name}" (available: google, github)`);
      continue;
    }
    const prefix = name === 'google' ? 'GOOGLE' : 'GITHUB';
    const clientId = env[`${prefix}_CLIENT_ID`];
    const clientSecret = env[`${prefix}_CLIENT_SECRET`];
    if (clientId === undefined) problem(`${prefix}_CLIENT_ID`, `required with OAUTH_PROVIDERS=${name}`);
    if (clientSecret === undefined) problem(`${prefix}_CLIENT_SECRET`, `required with OAUTH_PROVIDERS=${name}`);
    oauthProviders.push({
      name,
      clientId: clientId ?? '',
      clientSecret: clientSecret ?? '',
      authorizationUrl: env[`${prefix}_AUTHORIZATION_URL`] as string,
      tokenUrl: env[`${prefix}_TOKEN_URL`] as string,
      apiUrl: (name === 'google' ? env.GOOGLE_USERINFO_URL : env.GITHUB_API_URL) as string,
    });
  }

  // JWT extensions
  const extensions: ExtensionConfig[] = [];
  for (const name of new Set(env.JWT_EXTENSIONS)) {
    if (name === 'hasura') {
      const roleMap = hasuraRoleMap(env.HASURA_ROLE_MAP, (message) => problem('HASURA_ROLE_MAP', message));
      // Hasura's built-in `admin` role bypasses every permission rule of the project.
      const toHasura = (role: string) => roleMap[role] ?? role;
      const emitsAdmin = [env.ADMIN_ROLE, env.DEFAULT_ROLE].filter((role) => toHasura(role) === 'admin');
      if (emitsAdmin.length > 0 && !env.HASURA_ALLOW_ADMIN_ROLE) {
        const fix = `map it to a role of your own (HASURA_ROLE_MAP=${emitsAdmin[0]}=app_admin) or, if admins really must bypass every Hasura permission, set HASURA_ALLOW_ADMIN_ROLE=true`;
        const what = `the hasura extension would give users of role "${emitsAdmin[0]}" Hasura's built-in admin role, which bypasses every permission`;
        if (production) problem('HASURA_ROLE_MAP', `${what}: ${fix}`);
        else warnings.push(`${what} (refused in production): ${fix}`);
      }
      extensions.push({
        name,
        namespace: env.HASURA_CLAIMS_NAMESPACE,
        format: env.HASURA_CLAIMS_FORMAT,
        roleMap,
        allowAdminRole: env.HASURA_ALLOW_ADMIN_ROLE || !production,
      });
    } else if (name === 'env') {
      if (env.JWT_ENV_EXTENSION_NAMESPACE === undefined) problem('JWT_ENV_EXTENSION_NAMESPACE', 'required with the env extension');
      if (env.JWT_ENV_EXTENSION_CLAIMS === undefined) problem('JWT_ENV_EXTENSION_CLAIMS', 'required with the env extension');
      if (env.JWT_ENV_EXTENSION_NAMESPACE !== undefined && env.JWT_ENV_EXTENSION_CLAIMS !== undefined) {
        try {
          envExtension(env.JWT_ENV_EXTENSION_NAMESPACE, env.JWT_ENV_EXTENSION_CLAIMS);
          extensions.push({ name, namespace: env.JWT_ENV_EXTENSION_NAMESPACE, claims: env.JWT_ENV_EXTENSION_CLAIMS });
        } catch (error) {
          problem('JWT_ENV_EXTENSION_CLAIMS', (error as Error).message);
        }
      }
    } else {
      problem('JWT_EXTENSIONS', `unknown extension "${name}" (available: hasura, env)`);
    }
  }
  const namespaces = extensions.map((e) => e.namespace);
  for (const [i, namespace] of namespaces.entries()) {
    const variable = extensions[i]?.name === 'hasura' ? 'HASURA_CLAIMS_NAMESPACE' : 'JWT_ENV_EXTENSION_NAMESPACE';
    if (isReservedClaim(namespace)) problem(variable, `"${namespace}" is a claim the gateway sets itself`);
    if (namespaces.findIndex((n) => n.toLowerCase() === namespace.toLowerCase()) !== i) {
      problem(variable, `"${namespace}" is already used by another extension`);
    }
  }

  // Hooks
  if (env.HOOK_AUTH_HEADER_VALUE !== undefined && !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(env.HOOK_AUTH_HEADER_KEY)) {
    problem('HOOK_AUTH_HEADER_KEY', 'must be an HTTP header name');
  }
  if (production && env.HOOK_URL !== undefined && env.HOOK_SIGNING_SECRET === undefined && env.HOOK_AUTH_HEADER_VALUE === undefined) {
    problem('HOOK_SIGNING_SECRET', 'required in production with HOOK_URL (or set HOOK_AUTH_HEADER_VALUE), so the receiver can tell calls are ours');
  }
  if (env.HOOK_SIGNING_SECRET !== undefined && Buffer.byteLength(env.HOOK_SIGNING_SECRET) < MIN_PRODUCTION_SECRET_BYTES) {
    const weak = `HOOK_SIGNING_SECRET is shorter than ${MIN_PRODUCTION_SECRET_BYTES} bytes: a short key lets anyone who sees a signed call guess it and forge calls`;
    if (production) problem('HOOK_SIGNING_SECRET', `too weak for production: use at least ${MIN_PRODUCTION_SECRET_BYTES} random bytes`);
    else warnings.push(`${weak} (refused in production)`);
  }

  // Backend
  const required: Partial<Record<BackendKind, keyof Env>> = { postgres: 'POSTGRES_DSN', hasura: 'HASURA_URL', http: 'HTTP_URL' };
  const needed = required[env.AUTH_BACKEND];
  if (needed !== undefined && env[needed] === undefined) problem(needed, `required with AUTH_BACKEND=${env.AUTH_BACKEND}`);
  if (!isTableName(env.USERS_TABLE)) problem('USERS_TABLE', `"${env.USERS_TABLE}" is not a table name (letters, digits, _; optionally schema.table)`);
  if (env.AUTH_BACKEND === 'hasura' && env.USERS_TABLE.includes('.')) {
    problem('USERS_TABLE', 'with Hasura, name the root field (e.g. auth_users), not schema.table');
  }
  const columnMap = parseColumnMap(env.USERS_COLUMNS);
  for (const message of columnMap.problems) problem('USERS_COLUMNS', message);
  const sessionVersion = sessionVersionSetting(env, columnMap.columns, (message) => problem('SESSION_VERSION_COLUMN', message));
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(env.HASURA_ID_TYPE)) problem('HASURA_ID_TYPE', 'must be a GraphQL type name such as Int or uuid');
  if ((env.HTTP_AUTH_HEADER_VALUE !== undefined) && !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(env.HTTP_AUTH_HEADER_KEY)) {
    problem('HTTP_AUTH_HEADER_KEY', 'must be an HTTP header name');
  }

  // Secrets: configured, or (development only) generated once and kept in a local file.
  const configured = {
    JWT_SECRET: env.JWT_SECRET,
    JWT_REFRESH_SECRET: env.JWT_REFRESH_SECRET,
    JWT_VERIFY_SECRET: env.JWT_VERIFY_SECRET,
  };
  let generatedSecrets = false;
  const missing = Object.entries(configured).filter(([, v]) => v === undefined).map(([k]) => k);
  let secrets = { ...configured };
  if (missing.length > 0) {
    if (production || options.devSecrets === false) {
      for (const name of missing) problem(name, 'required (a random string of at least 32 bytes)');
    } else {
      const dev = (options.devSecrets ?? loadDevSecrets)(env.JWT_SECRETS_FILE);
      secrets = {
        JWT_SECRET: configured.JWT_SECRET ?? dev.access,
        JWT_REFRESH_SECRET: configured.JWT_REFRESH_SECRET ?? dev.refresh,
        JWT_VERIFY_SECRET: configured.JWT_VERIFY_SECRET ?? dev.verify,
      };
      generatedSecrets = true;
      warnings.push('JWT secrets were not configured: using development secrets generated into a local file. Set JWT_SECRET, JWT_REFRESH_SECRET and JWT_VERIFY_SECRET before going to production.');
    }
  }
  if (production) {
    for (const [name, value] of Object.entries(configured)) {
      if (value !== undefined && Buffer.byteLength(value) < MIN_PRODUCTION_SECRET_BYTES) {
        problem(name, `too weak for production: use at least ${MIN_PRODUCTION_SECRET_BYTES} random bytes`);
      }
    }
    const values = Object.values(configured).filter((v) => v !== undefined);
    if (new Set(values).size !== values.length) {
      problem('JWT_REFRESH_SECRET', 'JWT_SECRET, JWT_REFRESH_SECRET and JWT_VERIFY_SECRET must all differ in production');
    }
    // A retired secret still verifies: a weak or shared one forges tokens as well as a current one.
    const seen = new Set(values);
    const previous = { JWT_SECRET_PREVIOUS: env.JWT_SECRET_PREVIOUS, JWT_REFRESH_SECRET_PREVIOUS: env.JWT_REFRESH_SECRET_PREVIOUS, JWT_VERIFY_SECRET_PREVIOUS: env.JWT_VERIFY_SECRET_PREVIOUS };
    const ends = 'dropping it ends the sessions and links signed with it';
    for (const [name, list] of Object.entries(previous)) {
      for (const [i, value] of list.entries()) {
        if (Buffer.byteLength(value) < MIN_PRODUCTION_SECRET_BYTES) {
          problem(name, `entry ${i + 1} is too weak for production (at least ${MIN_PRODUCTION_SECRET_BYTES} bytes: a retired secret still verifies tokens, so a weak one lets anyone forge them); ${ends}`);
        } else if (seen.has(value)) {
          problem(name, `entry ${i + 1} repeats another secret (every current and previous secret must differ in production); ${ends}`);
        }
        seen.add(value);
      }
    }
    if (env.ALLOWED_ORIGINS.includes('*')) problem('ALLOWED_ORIGINS', 'a wildcard origin is refused in production');
  }

  // Asymmetric access tokens: configured keys, or (development only) one generated and kept.
  let privateKeys: string[] = [];
  if (env.JWT_ALGORITHM !== 'HS256') {
    if (env.JWT_PRIVATE_KEYS !== undefined) {
      privateKeys = splitPrivateKeys(env.JWT_PRIVATE_KEYS);
      if (privateKeys.length === 0) problem('JWT_PRIVATE_KEYS', 'no PEM or JWK private key found');
    } else if (production || options.devSecrets === false) {
      problem('JWT_PRIVATE_KEYS', `required with JWT_ALGORITHM=${env.JWT_ALGORITHM} (PKCS#8 PEM or JWK, several for rotation)`);
    } else {
      privateKeys = [loadDevKey(env.JWT_KEYS_FILE, env.JWT_ALGORITHM)];
    }
  }
  if (env.JWT_AUDIENCE?.includes('{tenant}') && !env.MULTI_TENANT_ENABLED) {
    problem('JWT_AUDIENCE', '{tenant} needs MULTI_TENANT_ENABLED=true');
  }

  // Mail
  let mail: MailConfig;
  if (env.MAIL_HOST === undefined || env.MAIL_HOST === 'dummy') {
    if (production) problem('MAIL_HOST', 'a real SMTP server is required in production ("dummy" only logs mails)');
    warnings.push('MAIL_HOST is dummy: mails are logged, not sent (development only)');
    mail = { kind: 'dummy' };
  } else {
    if (env.MAIL_FROM === undefined) problem('MAIL_FROM', 'required when MAIL_HOST is an SMTP server');
    if ((env.MAIL_USER === undefined) !== (env.MAIL_PASS === undefined)) {
      problem('MAIL_USER', 'MAIL_USER and MAIL_PASS go together: set both or neither');
    }
    mail = {
      kind: 'smtp',
      host: env.MAIL_HOST,
      port: env.MAIL_PORT,
      secure: env.MAIL_SECURE,
      user: env.MAIL_USER,
      pass: env.MAIL_PASS,
      from: env.MAIL_FROM ?? '',
      timeoutMs: env.MAIL_TIMEOUT,
    };
  }

  // Redirects
  const verifyRedirect = env.VERIFY_REDIRECT_URL as string;
  const allowedRedirectOrigins = [new URL(verifyRedirect).origin];
  for (const entry of env.ALLOWED_REDIRECT_ORIGINS) {
    const origin = originOf(entry);
    if (origin === undefined) problem('ALLOWED_REDIRECT_ORIGINS', `"${entry}" is not an http(s) origin`);
    else allowedRedirectOrigins.push(origin);
  }

  // Initial admin user
  const initialEmail = env.INITIAL_USER_EMAIL ?? env.POSTGRES_INITIAL_USER_EMAIL;
  const initialPassword = env.INITIAL_USER_PASSWORD ?? env.POSTGRES_INITIAL_USER_PASSWORD;
  if ((initialEmail === undefined) !== (initialPassword === undefined)) {
    problem('INITIAL_USER_EMAIL', 'INITIAL_USER_EMAIL and INITIAL_USER_PASSWORD go together: set both or neither');
  }
  if (initialPassword !== undefined) {
    const weakness = checkPasswordPolicy(initialPassword);
    if (weakness !== undefined) problem('INITIAL_USER_PASSWORD', weakness);
  }
  if (initialEmail !== undefined && !z.email().safeParse(initialEmail.toLowerCase()).success) {
    problem('INITIAL_USER_EMAIL', 'not a valid email address');
  }

  if (initialEmail !== undefined && env.MULTI_TENANT_ENABLED && env.INITIAL_USER_TENANT_ID === undefined) {
    problem('INITIAL_USER_TENANT_ID', 'required with MULTI_TENANT_ENABLED: the tenant the initial admin belongs to');
  }
  if (env.INITIAL_USER_TENANT_ID !== undefined && !env.MULTI_TENANT_ENABLED) {
    problem('INITIAL_USER_TENANT_ID', 'only meaningful with MULTI_TENANT_ENABLED=true');
  }

  // Captcha
  if (env.CAPTCHA !== undefined && env.CAPTCHA !== 'turnstile') problem('CAPTCHA', `unknown provider "${env.CAPTCHA}" (available: turnstile)`);
  if (env.CAPTCHA === 'turnstile' && env.TURNSTILE_SECRET_KEY === undefined) problem('TURNSTILE_SECRET_KEY', 'required with CAPTCHA=turnstile');

  // Proxies and CORS
  for (const message of parseTrustedProxies(env.TRUSTED_PROXIES).problems) problem('TRUSTED_PROXIES', message);
  if (env.TRUSTED_PROXIES.some((entry) => entry.toLowerCase() === 'private')) {
    warnings.push('TRUSTED_PROXIES includes "private": every host on a private network (10/8, 172.16/12, 192.168/16, fc00::/7) may then set X-Forwarded-For and choose its own client IP for rate limits; list your proxies\' addresses instead');
  }
  if (env.TRUSTED_PROXY_HOPS > 0 && env.TRUSTED_PROXIES.length === 0) {
    problem('TRUSTED_PROXY_HOPS', 'needs TRUSTED_PROXIES: X-Forwarded-For is believed only from a trusted proxy');
  }
  const corsOrigins: string[] = [];
  for (const entry of env.ALLOWED_ORIGINS.filter((o) => o !== '*')) {
    const origins = corsOriginsOf(entry);
    if (origins === undefined) problem('ALLOWED_ORIGINS', `"${entry}" is neither host:port nor an http(s) origin`);
    else corsOrigins.push(...origins);
  }

  // Token delivery
  const delivery = new Set(env.TOKEN_DELIVERY.length === 0 ? ['json'] : env.TOKEN_DELIVERY.map((d) => d.toLowerCase()));
  for (const name of delivery) {
    if (!['json', 'cookie', 'header'].includes(name)) problem('TOKEN_DELIVERY', `unknown delivery "${name}" (available: json, cookie, header)`);
  }
  if (!delivery.has('json') && !delivery.has('cookie')) {
    problem('TOKEN_DELIVERY', 'needs json or cookie: the header carries the access token only, and refresh tokens need a way to the client');
  }
  if (env.COOKIE_SAME_SITE === 'none' && !env.COOKIE_SECURE) problem('COOKIE_SAME_SITE', 'none needs COOKIE_SECURE=true (browsers refuse it otherwise)');
  if (production && !env.COOKIE_SECURE) problem('COOKIE_SECURE', 'refused in production: token cookies must never travel over plain http');

  if (env.ADMIN_ROLE === env.DEFAULT_ROLE) problem('DEFAULT_ROLE', 'must differ from ADMIN_ROLE');
  if (env.REQUEST_TIMEOUT < env.HEADERS_TIMEOUT) problem('REQUEST_TIMEOUT', 'must be at least HEADERS_TIMEOUT (the headers are part of the request)');
  const metricsServed = !production || env.METRICS_TOKEN !== undefined;
  if (!metricsServed) warnings.push('METRICS_TOKEN is not set: /metrics is not served in production (set it to scrape the gateway)');

  if (problems.length > 0) throw new ConfigError(problems);

  const external = (env.EXTERNAL_URL as string).replace(/\/+$/, '');
  return deepFreeze<Config>({
    production,
    warnings,
    logLevel: env.LOG_LEVEL,
    audit: { url: env.AUDIT_URL, timeoutMs: env.AUDIT_TIMEOUT, maxInFlight: env.AUDIT_MAX_IN_FLIGHT },
    metricsToken: env.METRICS_TOKEN,
    metricsServed,
    server: {
      host: env.HOST,
      port: env.PORT,
      workers: env.WORKERS,
      headersTimeoutMs: env.HEADERS_TIMEOUT,
      requestTimeoutMs: env.REQUEST_TIMEOUT,
      maxConnections: env.MAX_CONNECTIONS,
    },
    passwords: {
      // Every core by default, shared between the processes.
      threads: env.HASH_WORKERS || Math.max(1, Math.floor(availableParallelism() / env.WORKERS)),
      queueLimit: env.HASH_QUEUE_LIMIT,
      cost: env.BCRYPT_COST,
    },
    roles: { admin: env.ADMIN_ROLE, default: env.DEFAULT_ROLE },
    signupDisabled: env.SIGNUP_DISABLED,
    delivery: {
      json: delivery.has('json'),
      cookie: delivery.has('cookie'),
      header: delivery.has('header'),
      cookieDomain: env.COOKIE_DOMAIN,
      sameSite: env.COOKIE_SAME_SITE === 'none' ? 'None' : env.COOKIE_SAME_SITE === 'strict' ? 'Strict' : 'Lax',
      secure: env.COOKIE_SECURE,
    },
    impersonationEnabled: env.IMPERSONATION_ENABLED,
    urls: { verifyRedirect, external, allowedRedirectOrigins: [...new Set(allowedRedirectOrigins)] },
    tenancy: {
      enabled: env.MULTI_TENANT_ENABLED,
      tenantHeader: env.TENANT_ID_HEADER,
      hostHeader: env.HOST_HEADER,
      allowedHosts: env.ALLOWED_HOSTS.map((h) => h.toLowerCase()),
    },
    jwt: {
      accessSecret: secrets.JWT_SECRET as string,
      refreshSecret: secrets.JWT_REFRESH_SECRET as string,
      verifySecret: secrets.JWT_VERIFY_SECRET as string,
      accessTtl: env.JWT_EXPIRATION,
      refreshTtl: env.JWT_REFRESH_EXPIRATION,
      verifyTtl: env.JWT_VERIFY_EXPIRATION,
      issuer: external,
      algorithm: env.JWT_ALGORITHM,
      privateKeys,
      previousSecrets: { access: env.JWT_SECRET_PREVIOUS, refresh: env.JWT_REFRESH_SECRET_PREVIOUS, verify: env.JWT_VERIFY_SECRET_PREVIOUS },
      audience: env.JWT_AUDIENCE,
      impersonationTtl: Math.min(env.IMPERSONATION_EXPIRATION, env.JWT_EXPIRATION),
      extensions,
      generatedSecrets,
    },
    backend: {
      kind: env.AUTH_BACKEND,
      timeoutMs: env.BACKEND_TIMEOUT,
      sqlitePath: env.SQLITE_DB_PATH,
      table: env.USERS_TABLE,
      columns: columnMap.columns,
      sessionVersion,
      postgres: { dsn: env.POSTGRES_DSN ?? '', poolSize: env.POSTGRES_POOL_SIZE },
      hasura: { url: env.HASURA_URL ?? '', adminSecret: env.HASURA_GRAPHQL_ADMIN_SECRET, idType: env.HASURA_ID_TYPE },
      http: {
        url: env.HTTP_URL ?? '',
        authHeader:
          env.HTTP_AUTH_HEADER_VALUE !== undefined ? { name: env.HTTP_AUTH_HEADER_KEY, value: env.HTTP_AUTH_HEADER_VALUE } : undefined,
      },
      initialUser:
        initialEmail !== undefined && initialPassword !== undefined
          ? {
              email: initialEmail.toLowerCase(),
              password: initialPassword,
              tenantId: env.INITIAL_USER_TENANT_ID ?? null,
            }
          : undefined,
    },
    mail: { ...mail, templatesDir: env.MAIL_TEMPLATES_DIR },
    limits: {
      perMinute: env.RATE_PER_MINUTE,
      freePasswordAttempts: env.LOGIN_FREE_ATTEMPTS,
      maxBackoffMs: env.LOGIN_MAX_BACKOFF,
      mailsPerAddressPerHour: env.MAIL_PER_ADDRESS_PER_HOUR,
      redisUrl: env.RATE_LIMIT_REDIS_URL,
    },
    trustedProxies: env.TRUSTED_PROXIES,
    trustedProxyHops: env.TRUSTED_PROXY_HOPS,
    cors: { origins: [...new Set(corsOrigins)], any: env.ALLOWED_ORIGINS.includes('*') },
    oauth: { providers: oauthProviders, timeoutMs: env.OAUTH_TIMEOUT },
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
    hooks:
      env.HOOK_URL === undefined
        ? undefined
        : {
            url: env.HOOK_URL,
            timeoutMs: env.HOOK_TIMEOUT,
            authHeader:
              env.HOOK_AUTH_HEADER_VALUE !== undefined ? { name: env.HOOK_AUTH_HEADER_KEY, value: env.HOOK_AUTH_HEADER_VALUE } : undefined,
            signingSecret: env.HOOK_SIGNING_SECRET,
          },
  });
}

/**
 * SESSION_VERSION_COLUMN: unset means `auto` (the SQL backends use a `session_version` column
 * when the table has one), `off` never; a name is required to exist. Hasura and the HTTP
 * contract cannot be looked into at start, so there it is on only when named.
 */
function sessionVersionSetting(env: Env, columns: ColumnMap, problem: (message: string) => void): SessionVersionSetting {
  const value = env.SESSION_VERSION_COLUMN;
  if (value === undefined) return env.AUTH_BACKEND === 'sqlite' || env.AUTH_BACKEND === 'postgres' ? 'auto' : 'off';
  if (value.toLowerCase() === 'off') return 'off';
  if (!isIdentifier(value)) {
    problem(`"${value}" is not a plain SQL identifier (or off)`);
  } else if (Object.values(columns).includes(value)) {
    problem(`"${value}" is already the column of another user field`);
  } else if (env.AUTH_BACKEND === 'http' && value !== 'session_version') {
    problem('with AUTH_BACKEND=http the contract names the field session_version: set session_version or off');
  }
  return { column: value };
}

/** HASURA_ROLE_MAP: `role=hasura_role` pairs, comma-separated. */
function hasuraRoleMap(entries: readonly string[], problem: (message: string) => void): Record<string, string> {
  const map: Record<string, string> = Object.create(null);
  for (const entry of entries) {
    const [from, to, extra] = entry.split('=').map((part) => part.trim());
    if (!from || !to || extra !== undefined) problem(`"${entry}" is not role=hasura_role`);
    else if (from in map) problem(`"${from}" is mapped twice`);
    else map[from] = to;
  }
  return map;
}

/**
 * JWT_PRIVATE_KEYS: a JSON array of JWKs or PEM strings, one JWK, or PEM blocks one after the
 * other (`\n` escapes allowed, for environments that cannot hold newlines).
 */
function splitPrivateKeys(text: string): string[] {
  const value = text.trim();
  try {
    if (value.startsWith('[')) {
      const items = JSON.parse(value) as unknown[];
      return items.map((item) => (typeof item === 'string' ? item : JSON.stringify(item)));
    }
    if (value.startsWith('{')) return [JSON.stringify(JSON.parse(value))];
  } catch {
    return [];
  }
  return value.replace(/\\n/g, '\n').match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? [];
}

function zodProblems(error: z.ZodError): ConfigProblem[] {
  return error.issues.map((issue) => ({
    variable: String(issue.path[0] ?? '(environment)'),
    message: issue.message,
  }));
}

/**
 * An ALLOWED_ORIGINS entry as origins: a full origin as it is; the Authura README's
 * `host:port` form as its http and https origins.
 */
function corsOriginsOf(entry: string): string[] | undefined {
  if (/^https?:\/\//i.test(entry)) {
    const origin = originOf(entry);
    return origin === undefined ? undefined : [origin];
  }
  const http = originOf(`http://${entry}`);
  const https = originOf(`https://${entry}`);
  return http === undefined || https === undefined || new URL(`http://${entry}`).pathname !== '/' ? undefined : [http, https];
}

function originOf(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
