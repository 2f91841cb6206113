import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { isIdentifier, isTableName, parseColumnMap, type ColumnMap, type SessionVersionSetting } from '../backends/columns.js';
import type { BackendKind } from '../backends/create-backend.js';
import { checkPasswordPolicy } from '../passwords/policy.js';
import { parseClaimsMap } from '../backends/hasura/hasura-claims.js';
import type { Env } from './env-schema.js';
import type { Config, Report } from './types.js';

/** AUTH_BACKEND and its variables, table and column names, and the initial admin. */
export function parseBackend(env: Env, report: Report): Config['backend'] {
  const required: Partial<Record<BackendKind, keyof Env>> = { postgres: 'POSTGRES_DSN', hasura: 'HASURA_URL', http: 'HTTP_URL' };
  const needed = required[env.AUTH_BACKEND];
  if (needed !== undefined && env[needed] === undefined) report.problem(needed, `required with AUTH_BACKEND=${env.AUTH_BACKEND}`);
  if (env.POSTGRES_DSN !== undefined && !isPostgresUrl(env.POSTGRES_DSN)) {
    // Never echoed: it holds the password.
    report.problem('POSTGRES_DSN', 'is not a postgres:// URL (postgres://user:password@host:5432/database; percent-encode special characters in the password)');
  }
  if (env.AUTH_BACKEND === 'sqlite' && !isSqliteSpecial(env.SQLITE_DB_PATH)) {
    const dir = dirname(resolve(env.SQLITE_DB_PATH));
    // A typo in a mounted path would otherwise start on a new, empty database.
    if (!existsSync(dir)) report.problem('SQLITE_DB_PATH', `the directory ${dir} does not exist (create it, or correct the path)`);
  }
  if (!isTableName(env.USERS_TABLE)) report.problem('USERS_TABLE', `"${env.USERS_TABLE}" is not a table name (letters, digits, _; optionally schema.table)`);
  if (env.AUTH_BACKEND === 'hasura' && env.USERS_TABLE.includes('.')) {
    report.problem('USERS_TABLE', 'with Hasura, name the root field (e.g. auth_users), not schema.table');
  }
  const columnMap = parseColumnMap(env.USERS_COLUMNS);
  for (const message of columnMap.problems) report.problem('USERS_COLUMNS', message);
  const sessionVersion = sessionVersionSetting(env, columnMap.columns, (message) => report.problem('SESSION_VERSION_COLUMN', message));
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(env.HASURA_ID_TYPE)) report.problem('HASURA_ID_TYPE', 'must be a GraphQL type name such as Int or uuid');
  if (env.HTTP_AUTH_HEADER_VALUE !== undefined && !isHeaderName(env.HTTP_AUTH_HEADER_KEY)) report.problem('HTTP_AUTH_HEADER_KEY', 'must be an HTTP header name');
  if (report.production && env.AUTH_BACKEND === 'http' && !env.HTTP_CONDITIONAL_UPDATES) {
    report.problem(
      'HTTP_CONDITIONAL_UPDATES',
      'required in production with AUTH_BACKEND=http: the users service must honour PATCH {"set", "expect"} with a 412 on a mismatch (README, http backend), so that a link used twice at once takes effect once',
    );
  }
  const claimsQuery = env.JWT_CLAIMS_QUERY;
  if (claimsQuery !== undefined) {
    if (env.AUTH_BACKEND !== 'sqlite' && env.AUTH_BACKEND !== 'postgres') report.problem('JWT_CLAIMS_QUERY', `is for the SQL backends; with ${env.AUTH_BACKEND} see ${env.AUTH_BACKEND === 'http' ? 'HTTP_CLAIMS_URL' : 'README, Hasura'}`);
    // One statement that reads: the database checks it again (SQLite's read-only flag, Postgres's read-only transaction).
    if (!/^\s*(select|with)\b/i.test(claimsQuery) || /;\s*\S/.test(claimsQuery)) report.problem('JWT_CLAIMS_QUERY', 'must be one SELECT statement ($1: the user id, $2: the tenant id)');
  }
  if (env.JWT_CLAIMS_MAP !== undefined) {
    if (env.AUTH_BACKEND !== 'hasura') report.problem('JWT_CLAIMS_MAP', `is for the hasura backend; with ${env.AUTH_BACKEND} see ${env.AUTH_BACKEND === 'http' ? 'HTTP_CLAIMS_URL' : 'JWT_CLAIMS_QUERY'}`);
    try {
      parseClaimsMap(env.JWT_CLAIMS_MAP);
    } catch (error) {
      report.problem('JWT_CLAIMS_MAP', (error as Error).message);
    }
  }
  return {
    kind: env.AUTH_BACKEND,
    timeoutMs: env.BACKEND_TIMEOUT,
    claimsQuery: claimsQuery?.trim().replace(/;\s*$/, ''),
    sqlitePath: env.SQLITE_DB_PATH,
    table: env.USERS_TABLE,
    columns: columnMap.columns,
    sessionVersion,
    emailLookup: env.EMAIL_LOOKUP,
    postgres: { dsn: env.POSTGRES_DSN ?? '', poolSize: env.POSTGRES_POOL_SIZE },
    hasura: { url: env.HASURA_URL ?? '', adminSecret: env.HASURA_GRAPHQL_ADMIN_SECRET, idType: env.HASURA_ID_TYPE, claimsMap: env.JWT_CLAIMS_MAP },
    http: {
      url: env.HTTP_URL ?? '',
      authHeader: env.HTTP_AUTH_HEADER_VALUE !== undefined ? { name: env.HTTP_AUTH_HEADER_KEY, value: env.HTTP_AUTH_HEADER_VALUE } : undefined,
      conditionalUpdates: env.HTTP_CONDITIONAL_UPDATES,
      spentLinksUrl: env.HTTP_SPENT_LINKS_URL,
      mfaUrl: env.HTTP_MFA_URL,
      passkeysUrl: env.HTTP_PASSKEYS_URL,
      adminCalls: adminCalls(env, report),
      claimsUrl: env.HTTP_CLAIMS_URL,
    },
    initialUser: initialUser(env, report),
  };
}

/** SQLite's in-memory databases have no file. */
const isSqliteSpecial = (path: string) => path === ':memory:' || path === '' || path.startsWith('file:');

function isPostgresUrl(dsn: string): boolean {
  try {
    const url = new URL(dsn);
    // A Unix socket: postgres:///db?host=/var/run/postgresql.
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && (url.hostname !== '' || url.searchParams.has('host')) && decodeURIComponent(url.password) !== undefined;
  } catch {
    return false;
  }
}

/** An HTTP header name (RFC 9110 token). */
export const isHeaderName = (name: string) => /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name);

/** INITIAL_USER_* (and the README's POSTGRES_INITIAL_USER_* aliases). */
function initialUser(env: Env, report: Report): Config['backend']['initialUser'] {
  const email = env.INITIAL_USER_EMAIL ?? env.POSTGRES_INITIAL_USER_EMAIL;
  const password = env.INITIAL_USER_PASSWORD ?? env.POSTGRES_INITIAL_USER_PASSWORD;
  if ((email === undefined) !== (password === undefined)) {
    report.problem('INITIAL_USER_EMAIL', 'INITIAL_USER_EMAIL and INITIAL_USER_PASSWORD go together: set both or neither');
  }
  if (password !== undefined) {
    const weakness = checkPasswordPolicy(password);
    if (weakness !== undefined) report.problem('INITIAL_USER_PASSWORD', weakness);
  }
  if (email !== undefined && !z.email().safeParse(email.toLowerCase()).success) report.problem('INITIAL_USER_EMAIL', 'not a valid email address');
  if (email !== undefined && env.MULTI_TENANT_ENABLED && env.INITIAL_USER_TENANT_ID === undefined) {
    report.problem('INITIAL_USER_TENANT_ID', 'required with MULTI_TENANT_ENABLED: the tenant the initial admin belongs to');
  }
  if (env.INITIAL_USER_TENANT_ID !== undefined && !env.MULTI_TENANT_ENABLED) {
    report.problem('INITIAL_USER_TENANT_ID', 'only meaningful with MULTI_TENANT_ENABLED=true');
  }
  return email !== undefined && password !== undefined ? { email: email.toLowerCase(), password, tenantId: env.INITIAL_USER_TENANT_ID ?? null } : undefined;
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

/** HTTP_ADMIN_CALLS: `list`, `delete` (comma-separated). */
function adminCalls(env: Env, report: Report): ('list' | 'delete')[] {
  const known = ['list', 'delete'] as const;
  const unknown = env.HTTP_ADMIN_CALLS.filter((call) => !(known as readonly string[]).includes(call));
  if (unknown.length > 0) report.problem('HTTP_ADMIN_CALLS', `unknown calls ${unknown.join(', ')} (known: list, delete)`);
  return env.HTTP_ADMIN_CALLS.filter((call): call is 'list' | 'delete' => (known as readonly string[]).includes(call));
}
