import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { BackendError, type NewUser, type StoredUser, type UserBackend, type UserId, type UserPatch } from '../types.js';
import { toStoredUser } from '../row.js';

/** The Authura README's users table, in SQLite's dialect. Created when missing. */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  email       TEXT NOT NULL,
  role        TEXT NOT NULL,
  password    TEXT NOT NULL,
  tenant_id   TEXT,
  verified_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS users_email_tenant_id ON users (email, tenant_id);
-- NULLs are distinct in a unique index: this one keeps emails unique when tenancy is off.
CREATE UNIQUE INDEX IF NOT EXISTS users_email_no_tenant ON users (email) WHERE tenant_id IS NULL;
`;

const PATCHABLE = ['email', 'role', 'password', 'verified_at'] as const;

export interface SqliteBackendOptions {
  readonly path: string;
  /** How long a write waits for a lock held by another connection before failing. */
  readonly timeoutMs: number;
}

/** The SQLite backend: one synchronous connection, WAL journal, prepared statements. */
export function createSqliteBackend(options: SqliteBackendOptions): UserBackend {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path, { timeout: options.timeoutMs });
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.exec(SCHEMA);

  const byEmail = db.prepare('SELECT * FROM users WHERE email = ? AND tenant_id IS ?');
  const byId = db.prepare('SELECT * FROM users WHERE id = ? AND tenant_id IS ?');
  const insert = db.prepare(
    'INSERT INTO users (email, role, password, tenant_id, verified_at) VALUES (@email, @role, @password, @tenant_id, @verified_at) RETURNING *',
  );
  const updates = new Map<string, Database.Statement>();
  const updateFor = (columns: readonly string[]) => {
    const key = columns.join(',');
    let statement = updates.get(key);
    if (!statement) {
      const assignments = columns.map((c) => `${c} = @${c}`).join(', ');
      statement = db.prepare(`UPDATE users SET ${assignments} WHERE id = @id AND tenant_id IS @tenant_id RETURNING *`);
      updates.set(key, statement);
    }
    return statement;
  };

  const run = <T>(operation: string, work: () => T): Promise<T> => {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(translate(operation, error));
    }
  };

  return {
    kind: 'sqlite',
    findByEmail: (email, tenantId) => run('find user', () => row(byEmail.get(email, tenantId))),
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
    update: (id: UserId, tenantId: string | null, patch: UserPatch) => {
      const key = sqliteId(id);
      if (key === undefined) return Promise.resolve(null);
      const columns = PATCHABLE.filter((c) => patch[c] !== undefined);
      if (columns.length === 0) return run('find user', () => row(byId.get(key, tenantId)));
      return run('update user', () => row(updateFor(columns).get({ ...patch, id: key, tenant_id: tenantId })));
    },
    ping: () => run('ping', () => void db.prepare('SELECT 1').get()),
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

function row(value: unknown): StoredUser | null {
  return value === undefined ? null : toStoredUser(value, 'SQLite');
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
