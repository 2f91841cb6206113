import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ambiguousEmail, BackendError, type EmailLookup, EXPECTABLE, likePrefix, type NewUser, type StoredUser, type UserBackend, type UserExpectation, type UserId, type UserPatch } from '../types.js';
import { toStoredUser } from '../row.js';
import { checkColumns, sqliteAffinity } from '../schema-check.js';
import { MFA_TABLE, mfaTableSql } from '../mfa-record.js';
import { sqliteMfaStore } from './sqlite-mfa.js';
import { PASSKEYS_TABLE, passkeysTableSql } from '../passkey-record.js';
import { sqliteClaimsQuery } from './sqlite-claims.js';
import { sqlitePasskeys } from './sqlite-passkeys.js';
import { lowerEmailIndexSql, quoteIdentifier as quote, SPENT_LINKS_TABLE, spentLinksSql, splitTableName } from '../sql.js';
import {
  DEFAULT_COLUMNS,
  mappedFields,
  sessionVersionColumnToCreate,
  withSessionVersion,
  resolveSessionVersion,
  type ColumnMap,
  type SessionVersionSetting,
} from '../columns.js';

/** The Authura README's users table in SQLite's dialect (with the configured names). */
function schema(table: string, c: ColumnMap, sessionVersion: string | undefined): string {
  const { name } = splitTableName(table);
  return `
CREATE TABLE ${quote(table)} (
  ${quote(c.id)}          INTEGER PRIMARY KEY AUTOINCREMENT,
  ${quote(c.email)}       TEXT NOT NULL,
  ${quote(c.role)}        TEXT NOT NULL,
  ${quote(c.password)}    TEXT NOT NULL,
  ${quote(c.tenant_id)}   TEXT,
  ${quote(c.verified_at)} TEXT${sessionVersion === undefined ? '' : `,\n  ${quote(sessionVersion)} INTEGER NOT NULL DEFAULT 0`}
);
CREATE UNIQUE INDEX ${quote(`${name}_email_tenant_id`)} ON ${quote(name)} (${quote(c.email)}, ${quote(c.tenant_id)});
-- NULLs are distinct in a unique index: this one keeps emails unique when tenancy is off.
CREATE UNIQUE INDEX ${quote(`${name}_email_no_tenant`)} ON ${quote(name)} (${quote(c.email)}) WHERE ${quote(c.tenant_id)} IS NULL;
`;
}

const PATCHABLE = ['email', 'role', 'password', 'verified_at', 'session_version'] as const;

interface SqliteBackendOptions {
  readonly path: string;
  /** How long a write waits for a lock held by another connection before failing. */
  readonly timeoutMs: number;
  readonly table?: string;
  readonly columns?: ColumnMap;
  /** Default `auto`: a `session_version` column is used when the table has one. */
  readonly sessionVersion?: SessionVersionSetting;
  /** EMAIL_LOOKUP (default `exact`). */
  readonly emailLookup?: EmailLookup;
  /** JWT_CLAIMS_QUERY. */
  readonly claimsQuery?: string | undefined;
  /** Told what the operator should know (an existing file others can read). */
  readonly warn?: (message: string, fields: Record<string, unknown>) => void;
}

/**
 * A new database file is created 0600 before SQLite opens it (SQLite gives its `-wal` and `-shm`
 * files the same mode): it holds every password hash. An existing file is the operator's: one
 * that group or others can read gets a warning, never a chmod.
 */
function prepareFile(path: string, warn: SqliteBackendOptions['warn']): void {
  if (path === ':memory:' || path === '') return;
  mkdirSync(dirname(path), { recursive: true });
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      warn?.('the SQLite database holds password hashes and can be read by other users of this machine: chmod 600 it (and its -wal and -shm files)', {
        path,
        mode: `0${mode.toString(8)}`,
      });
    }
  }
}

/**
 * Switches the file to WAL. SQLite answers that pragma with SQLITE_BUSY at once, without its busy
 * timeout, while another process is switching the same new file: processes starting together
 * (WORKERS) retry, briefly, up to the backend timeout. At start only, so a blocking wait is fine.
 */
function enableWal(db: Database.Database, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      Atomics.wait(pause, 0, 0, 10);
    }
  }
}

/** The SQLite backend: one synchronous connection, WAL journal, prepared statements. */
export function createSqliteBackend(options: SqliteBackendOptions): UserBackend {
  prepareFile(options.path, options.warn);
  const db = new Database(options.path, { timeout: options.timeoutMs });
  enableWal(db, options.timeoutMs);
  db.pragma('foreign_keys = ON');
  const table = options.table ?? 'users';
  const insensitive = options.emailLookup === 'insensitive';
  const setting = options.sessionVersion ?? 'auto';
  const { schema: schemaName = 'main', name: tableName } = splitTableName(table);
  const exists = db.prepare(`SELECT 1 FROM ${quote(schemaName)}.sqlite_master WHERE type = 'table' AND name = ?`);
  // Check and create under the write lock: processes starting together (WORKERS) on a new file
  // would otherwise both see no table and the second fail to create it. An existing table is
  // used as it is: its indexes are the owner's business.
  db.transaction(() => {
    if (!exists.get(tableName)) db.exec(schema(table, options.columns ?? DEFAULT_COLUMNS, sessionVersionColumnToCreate(setting)));
    // The gateway's own bookkeeping beside the users table: used mailed links.
    db.exec(spentLinksSql(table));
    db.exec(mfaTableSql(table));
    db.exec(passkeysTableSql(table));
    // Case-insensitive lookups use an index of their own (as `npm run migrate` makes on Postgres).
    if (insensitive) db.exec(lowerEmailIndexSql(table, (options.columns ?? DEFAULT_COLUMNS).email));
  }).immediate();
  const columnTypes = new Map(
    (db.prepare(`PRAGMA ${quote(schemaName)}.table_info(${quote(tableName)})`).all() as { name: string; type: string }[]).map((r) => [r.name, sqliteAffinity(r.type)]),
  );
  const c = withSessionVersion(options.columns ?? DEFAULT_COLUMNS, resolveSessionVersion(setting, new Set(columnTypes.keys()), table));
  checkColumns('sqlite', table, c, columnTypes);

  const t = quote(table);
  const selected = mappedFields(c).map((f) => `${quote(c[f] as string)} AS ${f}`).join(', ');
  // Insensitive: up to two rows, so that two accounts differing only in case are seen, not guessed.
  const byEmail = db.prepare(
    insensitive
      ? `SELECT ${selected} FROM ${t} WHERE lower(${quote(c.email)}) = ? AND ${quote(c.tenant_id)} IS ? LIMIT 2`
      : `SELECT ${selected} FROM ${t} WHERE ${quote(c.email)} = ? AND ${quote(c.tenant_id)} IS ?`,
  );
  const mixedCase = db.prepare(`SELECT count(*) AS n FROM ${t} WHERE ${quote(c.email)} <> lower(${quote(c.email)})`);
  const byId = db.prepare(`SELECT ${selected} FROM ${t} WHERE ${quote(c.id)} = ? AND ${quote(c.tenant_id)} IS ?`);
  // The admin API's search: every filter optional (NULL: not asked), id order, one row more than the page.
  const page = db.prepare(
    `SELECT ${selected} FROM ${t} WHERE (@pattern IS NULL OR ${quote(c.email)} LIKE @pattern ESCAPE '\\') AND (@any = 1 OR ${quote(c.tenant_id)} IS @tenant) ` +
      `AND (@role IS NULL OR ${quote(c.role)} = @role) AND (@after IS NULL OR ${quote(c.id)} > @after) ORDER BY ${quote(c.id)} LIMIT @limit`,
  );
  const deleteWhere = new Map<string, Database.Statement>();
  const deleteFor = (checks: readonly string[]) => {
    const key = checks.join(',');
    let statement = deleteWhere.get(key);
    if (!statement) {
      const where = [`${quote(c.id)} = @id AND ${quote(c.tenant_id)} IS @tenant_id`, ...checks.map((f) => `${quote(c[f as keyof ColumnMap] as string)} = @expect_${f}`)].join(' AND ');
      statement = db.prepare(`DELETE FROM ${t} WHERE ${where}`);
      deleteWhere.set(key, statement);
    }
    return statement;
  };
  const insert = db.prepare(
    `INSERT INTO ${t} (${quote(c.email)}, ${quote(c.role)}, ${quote(c.password)}, ${quote(c.tenant_id)}, ${quote(c.verified_at)}) ` +
      `VALUES (@email, @role, @password, @tenant_id, @verified_at) RETURNING ${selected}`,
  );
  // One prepared statement per combination of written and checked fields, made on first use.
  const updates = new Map<string, Database.Statement>();
  const updateFor = (fields: readonly string[], checks: readonly string[]) => {
    const key = `${fields.join(',')}|${checks.join(',')}`;
    let statement = updates.get(key);
    if (!statement) {
      const column = (f: string) => quote(c[f as keyof ColumnMap] as string);
      const where = [`${quote(c.id)} = @id AND ${quote(c.tenant_id)} IS @tenant_id`, ...checks.map((f) => `${column(f)} = @expect_${f}`)].join(' AND ');
      const assignments = fields.map((f) => `${column(f)} = @${f}`).join(', ');
      statement = db.prepare(fields.length === 0 ? `SELECT ${selected} FROM ${t} WHERE ${where}` : `UPDATE ${t} SET ${assignments} WHERE ${where} RETURNING ${selected}`);
      updates.set(key, statement);
    }
    return statement;
  };

  const spentTable = quote(schemaName === 'main' ? SPENT_LINKS_TABLE : `${schemaName}.${SPENT_LINKS_TABLE}`);
  const spend = db.prepare(`INSERT INTO ${spentTable} ("jti", "expires_at") VALUES (?, ?) ON CONFLICT ("jti") DO NOTHING`);
  const unspend = db.prepare(`DELETE FROM ${spentTable} WHERE "jti" = ?`);
  const forgetExpired = db.prepare(`DELETE FROM ${spentTable} WHERE "expires_at" < ?`);
  let swept = 0;
  const mfa = sqliteMfaStore(db, quote(schemaName === 'main' ? MFA_TABLE : `${schemaName}.${MFA_TABLE}`));
  const claims = options.claimsQuery === undefined ? undefined : sqliteClaimsQuery(db, options.claimsQuery);
  const passkeys = sqlitePasskeys(db, quote(schemaName === 'main' ? PASSKEYS_TABLE : `${schemaName}.${PASSKEYS_TABLE}`));

  const row = (value: unknown): StoredUser | null =>
    value === undefined ? null : toStoredUser(value, 'SQLite', { sessionVersion: c.session_version !== undefined });

  const run = <T>(operation: string, work: () => T): Promise<T> => {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(translate(operation, error));
    }
  };

  return {
    kind: 'sqlite',
    findByEmail: (email, tenantId) =>
      run('find user', () => {
        const rows = byEmail.all(email, tenantId);
        if (rows.length > 1) throw ambiguousEmail('SQLite');
        return row(rows[0]);
      }),
    findById: (id, tenantId) => {
      const key = sqliteId(id);
      if (key === undefined) return Promise.resolve(null);
      return run('find user', () => row(byId.get(key, tenantId)));
    },
    create: (user: NewUser) =>
      run('create user', () => {
        const created = row(insert.get({ ...user }));
        if (!created) throw new BackendError('bad_response', 'SQLite returned no row for the insert');
        return created;
      }),
    update: (id: UserId, tenantId: string | null, patch: UserPatch, expected: UserExpectation = {}) => {
      const key = sqliteId(id);
      if (key === undefined) return Promise.resolve(null);
      const columns = PATCHABLE.filter((f) => patch[f] !== undefined && c[f] !== undefined);
      const checks = EXPECTABLE.filter((f) => expected[f] !== undefined && c[f] !== undefined);
      const expectations = Object.fromEntries(checks.map((f) => [`expect_${f}`, expected[f]]));
      return run('update user', () => row(updateFor(columns, checks).get({ ...patch, ...expectations, id: key, tenant_id: tenantId })));
    },
    listUsers: (query) =>
      run('list users', () => {
        const after = query.after === undefined ? null : sqliteId(query.after);
        if (after === undefined) return { users: [], next: null };
        const rows = page.all({
          pattern: query.emailPrefix ? likePrefix(query.emailPrefix) : null,
          any: query.tenantId === undefined ? 1 : 0,
          tenant: query.tenantId ?? null,
          role: query.role ?? null,
          after,
          limit: query.limit + 1,
        });
        const users = rows.slice(0, query.limit).map((r) => row(r) as StoredUser);
        return { users, next: rows.length > query.limit ? String(users[users.length - 1]?.id) : null };
      }),
    deleteUser: (id, tenantId, expected = {}) => {
      const key = sqliteId(id);
      if (key === undefined) return Promise.resolve(false);
      const checks = EXPECTABLE.filter((f) => expected[f] !== undefined && c[f] !== undefined);
      const expectations = Object.fromEntries(checks.map((f) => [`expect_${f}`, expected[f]]));
      return run('delete user', () => deleteFor(checks).run({ ...expectations, id: key, tenant_id: tenantId }).changes === 1);
    },
    ping: () => run('ping', () => void db.prepare('SELECT 1').get()),
    capabilities: () => Promise.resolve({ conditionalUpdate: true, spendOnce: true, sessionVersion: c.session_version !== undefined, mfa: true, passkeys: true, listUsers: true, deleteUser: true, claims: claims !== undefined }),
    ...(claims ? { userClaims: (user: StoredUser) => run('read claims', () => claims(sqliteId(user.id) ?? String(user.id), user.tenant_id)) } : {}),
    passkeys: {
      list: (userId, tenantId) => run('list passkeys', () => passkeys.list(String(userId), tenantId)),
      find: (id) => run('find passkey', () => passkeys.find(id)),
      create: (passkey) => run('create passkey', () => passkeys.create(passkey)),
      update: (passkey, expectedVersion) => run('update passkey', () => passkeys.update(passkey, expectedVersion)),
      remove: (id, userId, tenantId) => run('remove passkey', () => passkeys.remove(id, String(userId), tenantId)),
    },
    mfa: {
      read: (userId, tenantId) => run('read mfa', () => mfa.read(String(userId), tenantId)),
      write: (record, expectedVersion) => run('write mfa', () => mfa.write(record, expectedVersion)),
    },
    spendLink: (jti, expiresAt) =>
      run('spend link', () => {
        // Expired links are forgotten now and then (they are refused by their own exp anyway).
        const now = Math.floor(Date.now() / 1000);
        if (now - swept >= 60) {
          forgetExpired.run(now);
          swept = now;
        }
        return spend.run(jti, expiresAt).changes === 1;
      }),
    unspendLink: (jti) => run('unspend link', () => void unspend.run(jti)),
    mixedCaseEmails: () => run('count mixed-case emails', () => Number((mixedCase.get() as { n: number }).n)),
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}

/** SQLite ids are integers; a token's `sub` arrives as a string. */
function sqliteId(id: UserId): number | undefined {
  const n = typeof id === 'number' ? id : /^\d{1,15}$/.test(id) ? Number(id) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

function translate(operation: string, error: unknown): BackendError {
  if (error instanceof BackendError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new BackendError('conflict', 'A user with this email already exists', { cause: error });
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new BackendError('timeout', `SQLite was busy (${operation})`, { cause: error });
  }
  return new BackendError('unavailable', `SQLite failed (${operation})`, { cause: error });
}
