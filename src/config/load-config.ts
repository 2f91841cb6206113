import type { z } from 'zod';
import { parseBackend } from './backend.js';
import { parseDelivery } from './delivery.js';
import { type DevSecrets, loadDevKey, loadDevSecrets } from './dev-secrets.js';
import { type Env, envSchema } from './env-schema.js';
import { parseExtensions } from './extensions.js';
import { parseHooks } from './hooks.js';
import { parseJwt } from './jwt.js';
import { parseMail } from './mail.js';
import { parseAdmin } from './admin.js';
import { parseMfa } from './mfa.js';
import { parsePasskeys } from './passkeys.js';
import { parseOAuth } from './oauth.js';
import { parseServer } from './server.js';
import { type Config, ConfigError, type ConfigProblem, type Report } from './types.js';
import { misspelledVariables } from './typos.js';
import { parseWeb } from './web.js';

export { ConfigError, type Config } from './types.js';

interface LoadConfigOptions {
  /** Where development secrets are kept when none are configured; `false` disables generation. */
  readonly devSecrets?: ((path: string) => DevSecrets) | false;
}

/**
 * Parses and checks the environment: every section parsed, every problem collected, then one
 * {@link ConfigError} listing them all. The disk is only looked at (whether configured
 * directories exist); only a valid development configuration that lacks secrets writes to it,
 * afterwards: it reads (or generates once) the local secrets file.
 */
export function loadConfig(source: Record<string, string | undefined>, options: LoadConfigOptions = {}): Config {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const env = parseEnv(source, problems);
  const production = env.NODE_ENV === 'production';
  const report: Report = { production, problem: (variable, message) => problems.push({ variable, message }), warn: (message) => warnings.push(message) };

  const jwt = parseJwt(env, report, { canGenerate: !production && options.devSecrets !== false });
  const web = parseWeb(env, report);
  const sections = {
    ...parseServer(env, report),
    ...web,
    passkeys: parsePasskeys(env, report, web.urls.external),
    delivery: parseDelivery(env, report),
    backend: parseBackend(env, report),
    mail: parseMail(env, report),
    oauth: parseOAuth(env, report),
    hooks: parseHooks(env, report),
    extensions: parseExtensions(env, report),
    mfa: parseMfa(env, report),
    admin: parseAdmin(env, report),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  for (const { name, meant } of misspelledVariables(Object.keys(source), Object.keys(envSchema.shape))) {
    warnings.push(`${name} is not a variable Authura knows and is ignored: did you mean ${meant}?`);
  }

  // Development without configured secrets or keys: kept in local files (the only I/O here).
  let secrets = jwt.secrets;
  if (jwt.missingSecrets.length > 0) {
    const dev = (options.devSecrets || loadDevSecrets)(env.JWT_SECRETS_FILE);
    secrets = { JWT_SECRET: dev.access, JWT_REFRESH_SECRET: dev.refresh, JWT_VERIFY_SECRET: dev.verify, ...definedOnly(secrets) };
    warnings.push('JWT secrets were not configured: using development secrets generated into a local file. Set JWT_SECRET, JWT_REFRESH_SECRET and JWT_VERIFY_SECRET before going to production.');
  }
  const privateKeys = jwt.generateKey && env.JWT_ALGORITHM !== 'HS256' ? [loadDevKey(env.JWT_KEYS_FILE, env.JWT_ALGORITHM)] : jwt.privateKeys;

  const { extensions, ...rest } = sections;
  return deepFreeze<Config>({
    production,
    warnings,
    ...rest,
    jwt: {
      ...jwt.settings,
      accessSecret: secrets.JWT_SECRET as string,
      refreshSecret: secrets.JWT_REFRESH_SECRET as string,
      verifySecret: secrets.JWT_VERIFY_SECRET as string,
      privateKeys,
      // JWT_ISSUER keeps an earlier `iss` while EXTERNAL_URL moves (issuers are compared exactly).
      issuer: env.JWT_ISSUER ?? rest.urls.external,
      extensions,
      generatedSecrets: jwt.missingSecrets.length > 0,
      claimsNamespace: env.JWT_CLAIMS_NAMESPACE,
    },
  });
}

/** The variables `npm run migrate` reads: the backend's, nothing else. */
const BACKEND_VARIABLES = /^(NODE_ENV|AUTH_BACKEND|BACKEND_TIMEOUT|USERS_TABLE|USERS_COLUMNS|SESSION_VERSION_COLUMN|SQLITE_DB_PATH|POSTGRES_.*|HASURA_.*|HTTP_.*|INITIAL_USER_.*)$/;

/**
 * Only the backend section, for `npm run migrate`: it needs the database and the table's names,
 * not the application's secrets, mail or URLs — which a migration job in production does not
 * have. Problems of other variables are not its business.
 */
export function loadBackendConfig(source: Record<string, string | undefined>): Config['backend'] {
  const problems: ConfigProblem[] = [];
  const env = parseEnv(source, problems);
  const report: Report = { production: env.NODE_ENV === 'production', problem: (variable, message) => problems.push({ variable, message }), warn: () => {} };
  const backend = parseBackend(env, report);
  const own = problems.filter((p) => BACKEND_VARIABLES.test(p.variable));
  if (own.length > 0) throw new ConfigError(own);
  return backend;
}

/** The variables `npm run users` reads: the backend's, the hooks', Firebase's hash parameters, the default role. */
const USERS_TOOL_VARIABLES = /^(HOOK_.*|FIREBASE_SCRYPT_.*|DEFAULT_ROLE)$/;

/**
 * What `npm run users` (import, export) needs: the backend, the hooks (`--with-hooks`), the
 * Firebase parameters (to accept imported Firebase hashes) and DEFAULT_ROLE — no secrets, mail or URLs.
 */
export function loadUsersToolConfig(source: Record<string, string | undefined>): Pick<Config, 'backend' | 'hooks'> & { firebase: Config['passwords']['firebase']; defaultRole: string } {
  const problems: ConfigProblem[] = [];
  const env = parseEnv(source, problems);
  const report: Report = { production: env.NODE_ENV === 'production', problem: (variable, message) => problems.push({ variable, message }), warn: () => {} };
  const backend = parseBackend(env, report);
  const hooks = parseHooks(env, report);
  const firebase = parseServer(env, report).passwords.firebase;
  const own = problems.filter((p) => BACKEND_VARIABLES.test(p.variable) || USERS_TOOL_VARIABLES.test(p.variable));
  if (own.length > 0) throw new ConfigError(own);
  return { backend, hooks, firebase, defaultRole: env.DEFAULT_ROLE };
}

/**
 * The environment through the schema. A variable that does not parse is reported, and the rest is
 * checked with its default in its place, so that one run lists every problem.
 */
function parseEnv(source: Record<string, string | undefined>, problems: ConfigProblem[]): Env {
  const parsed = envSchema.safeParse(source);
  if (parsed.success) return parsed.data;
  const invalid = zodProblems(parsed.error);
  problems.push(...invalid);
  const bad = new Set(invalid.map((p) => p.variable));
  const rest = envSchema.safeParse(Object.fromEntries(Object.entries(source).filter(([name]) => !bad.has(name))));
  if (!rest.success) throw new ConfigError(problems);
  return rest.data;
}

function zodProblems(error: z.ZodError): ConfigProblem[] {
  return error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '(environment)'), message: issue.message }));
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
