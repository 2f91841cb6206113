import { withDeadline as raceDeadline } from '../core/deadline.js';
import type { Logger } from '../core/logger.js';
import { withSessionVersion, type ColumnMap, type SessionVersionSetting } from './columns.js';
import { createSqliteBackend } from './sqlite/sqlite-backend.js';
import { BackendError, type EmailLookup, type PasskeyStore, type UserBackend } from './types.js';

export type BackendKind = 'sqlite' | 'postgres' | 'hasura' | 'http';

/** What every backend is built from (the config's backend section). */
export interface BackendSettings {
  readonly kind: BackendKind;
  readonly timeoutMs: number;
  readonly sqlitePath: string;
  readonly table: string;
  readonly columns: ColumnMap;
  /** SESSION_VERSION_COLUMN: `auto` uses a `session_version` column when the SQL table has one. */
  readonly sessionVersion: SessionVersionSetting;
  /** EMAIL_LOOKUP: `exact` (the index's match) or `insensitive` (`John@x` is found as `john@x`). */
  readonly emailLookup: EmailLookup;
  /** JWT_CLAIMS_QUERY (SQLite, Postgres): one read-only SELECT of the user's claims, `$1` the id, `$2` the tenant. */
  readonly claimsQuery: string | undefined;
  readonly postgres: { readonly dsn: string; readonly poolSize: number };
  readonly hasura: { readonly url: string; readonly adminSecret: string | undefined; readonly idType: string; readonly claimsMap: string | undefined };
  readonly http: {
    readonly url: string;
    readonly authHeader: { readonly name: string; readonly value: string } | undefined;
    /** HTTP_CONDITIONAL_UPDATES: the service honours `PATCH {"set", "expect"}` (412 on a mismatch). */
    readonly conditionalUpdates: boolean;
    /** HTTP_SPENT_LINKS_URL: where the service keeps used links (spend-once). */
    readonly spentLinksUrl: string | undefined;
    /** HTTP_MFA_URL: where the service keeps second factors (MFA). */
    readonly mfaUrl: string | undefined;
    /** HTTP_PASSKEYS_URL: where the service keeps passkeys. */
    readonly passkeysUrl: string | undefined;
    /** HTTP_ADMIN_CALLS: the admin calls the service answers (list, delete). */
    readonly adminCalls: readonly ('list' | 'delete')[];
    /** HTTP_CLAIMS_URL: where the service answers a user's claims. */
    readonly claimsUrl: string | undefined;
  };
}

/**
 * The backend AUTH_BACKEND names, every call bounded by BACKEND_TIMEOUT. Only the chosen
 * backend's driver is loaded.
 */
export async function createBackend(settings: BackendSettings, logger?: Pick<Logger, 'warn'>): Promise<UserBackend> {
  const { timeoutMs, table, columns, sessionVersion, emailLookup } = settings;
  const named = typeof sessionVersion === 'object' ? sessionVersion.column : undefined;
  switch (settings.kind) {
    case 'sqlite':
      // Synchronous and local: its lock wait is bounded by the same timeout inside SQLite.
      return createSqliteBackend({ path: settings.sqlitePath, timeoutMs, table, columns, sessionVersion, emailLookup, claimsQuery: settings.claimsQuery, warn: logger?.warn });
    case 'postgres': {
      const { createPostgresBackend } = await import('./postgres/postgres-backend.js');
      return withDeadline(createPostgresBackend({ ...settings.postgres, timeoutMs, table, columns, sessionVersion, emailLookup, claimsQuery: settings.claimsQuery }), timeoutMs);
    }
    case 'hasura': {
      const { createHasuraBackend } = await import('./hasura/hasura-backend.js');
      return withDeadline(createHasuraBackend({ ...settings.hasura, timeoutMs, table, columns: withSessionVersion(columns, named), emailLookup }), timeoutMs);
    }
    case 'http': {
      const { createHttpBackend } = await import('./http/http-backend.js');
      return withDeadline(createHttpBackend({ ...settings.http, timeoutMs, sessionVersion: named !== undefined, emailLookup }), timeoutMs);
    }
  }
}

/** Grace on top of the backend's own timeouts, which fire first and say more. */
const GRACE_MS = 1000;

/**
 * A last bound on every call, whatever the backend does (a pool waiting for a free
 * connection, a driver stuck on a half-open socket): past it the call fails with `timeout`.
 */
function withDeadline(backend: UserBackend, timeoutMs: number): UserBackend {
  const bound =
    <A extends unknown[], R>(operation: string, fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      raceDeadline(
        fn(...args),
        timeoutMs + GRACE_MS,
        () => new BackendError('timeout', `The ${backend.kind} backend did not answer in time (${operation})`),
      );
  return {
    kind: backend.kind,
    findByEmail: bound('find user', backend.findByEmail.bind(backend)),
    findById: bound('find user', backend.findById.bind(backend)),
    create: bound('create user', backend.create.bind(backend)),
    update: bound('update user', backend.update.bind(backend)),
    ping: bound('ping', backend.ping.bind(backend)),
    capabilities: bound('describe', backend.capabilities.bind(backend)),
    ...(backend.spendLink ? { spendLink: bound('spend link', backend.spendLink.bind(backend)) } : {}),
    ...(backend.unspendLink ? { unspendLink: bound('unspend link', backend.unspendLink.bind(backend)) } : {}),
    ...(backend.mixedCaseEmails ? { mixedCaseEmails: bound('count mixed-case emails', backend.mixedCaseEmails.bind(backend)) } : {}),
    ...(backend.passkeys ? { passkeys: boundPasskeys(backend.passkeys, bound) } : {}),
    ...(backend.userClaims ? { userClaims: bound('read claims', backend.userClaims.bind(backend)) } : {}),
    ...(backend.listUsers ? { listUsers: bound('list users', backend.listUsers.bind(backend)) } : {}),
    ...(backend.deleteUser ? { deleteUser: bound('delete user', backend.deleteUser.bind(backend)) } : {}),
    ...(backend.mfa ? { mfa: { read: bound('read mfa', backend.mfa.read.bind(backend.mfa)), write: bound('write mfa', backend.mfa.write.bind(backend.mfa)) } } : {}),
    close: () => backend.close(),
  };
}

/** Every passkey call under the deadline. */
function boundPasskeys(
  store: PasskeyStore,
  bound: <A extends unknown[], R>(operation: string, fn: (...args: A) => Promise<R>) => (...args: A) => Promise<R>,
): PasskeyStore {
  return {
    list: bound('list passkeys', store.list.bind(store)),
    find: bound('find passkey', store.find.bind(store)),
    create: bound('create passkey', store.create.bind(store)),
    update: bound('update passkey', store.update.bind(store)),
    remove: bound('remove passkey', store.remove.bind(store)),
  };
}
