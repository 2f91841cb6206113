import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../src/backends/migrate.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createDatabase } from '../helpers/databases.js';
import { signUp, testApp, STRONG_PASSWORD } from '../fixtures.js';
import { backendFor } from './conformance.js';

const SECRETS = { JWT_SECRET: 'x'.repeat(32), JWT_REFRESH_SECRET: 'y'.repeat(32), JWT_VERIFY_SECRET: 'z'.repeat(32) };

describe('npm run migrate (Postgres)', () => {
  it('creates the README table on an empty database, idempotently, with NULL-tenant uniqueness', async () => {
    const dsn = await createDatabase('');
    const config = loadConfig({ ...SECRETS, AUTH_BACKEND: 'postgres', POSTGRES_DSN: dsn }, { devSecrets: false });
    expect(await migrate(config.backend)).toContain('ready');
    expect(await migrate(config.backend)).toContain('ready');
    const sql = postgres(dsn, { max: 1, onnotice: () => {} });
    const columns = await sql`SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'users' ORDER BY ordinal_position`;
    expect(columns.map((c) => [c.column_name, c.data_type, c.is_nullable])).toEqual([
      ['id', 'integer', 'NO'],
      ['email', 'character varying', 'NO'],
      ['role', 'character varying', 'NO'],
      ['password', 'character varying', 'NO'],
      ['tenant_id', 'character varying', 'YES'],
      ['verified_at', 'timestamp with time zone', 'YES'],
      ['session_version', 'integer', 'NO'],
    ]);
    await sql`INSERT INTO users (email, role, password) VALUES ('a@b.co', 'user', 'x')`;
    await expect(sql`INSERT INTO users (email, role, password) VALUES ('a@b.co', 'user', 'x')`).rejects.toMatchObject({ code: '23505' });
    await sql.end();
  });

  it('adds the session version column to an existing README table, keeping its rows', async () => {
    const dsn = await createDatabase();
    const sql = postgres(dsn, { max: 1, onnotice: () => {} });
    await sql`INSERT INTO users (email, role, password) VALUES ('old@b.co', 'user', 'x')`;
    const config = loadConfig({ ...SECRETS, AUTH_BACKEND: 'postgres', POSTGRES_DSN: dsn }, { devSecrets: false });
    await migrate(config.backend);
    expect(await sql`SELECT email, session_version FROM users`).toEqual([{ email: 'old@b.co', session_version: 0 }]);
    await sql.end();
  });

  it('refuses backends whose schema lives elsewhere', async () => {
    const config = loadConfig({ ...SECRETS, AUTH_BACKEND: 'http', HTTP_URL: 'http://127.0.0.1:1/users' }, { devSecrets: false });
    await expect(migrate(config.backend)).rejects.toThrow(/owns its schema/);
  });
});

describe('an existing users table with other names', () => {
  it('Postgres: auth.accounts with UUID ids, other column names and extra nullable columns', async () => {
    const dsn = await createDatabase(`
      CREATE SCHEMA auth;
      CREATE TABLE auth.accounts (
        user_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        email_address TEXT NOT NULL, user_role TEXT NOT NULL, password_hash TEXT NOT NULL,
        org TEXT, confirmed_at TIMESTAMPTZ, display_name TEXT, created_at TIMESTAMPTZ DEFAULT now());
      CREATE UNIQUE INDEX ON auth.accounts (email_address, org);`);
    const env = {
      AUTH_BACKEND: 'postgres',
      POSTGRES_DSN: dsn,
      USERS_TABLE: 'auth.accounts',
      USERS_COLUMNS: 'id=user_id, email=email_address, role=user_role, password=password_hash, tenant_id=org, verified_at=confirmed_at',
    };
    const gw = await testApp(env);
    try {
      const { user, tokens } = await signUp(gw, 'mapped@example.com');
      expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
      expect((await gw.call('/token', { json: { email: 'mapped@example.com', password: STRONG_PASSWORD } })).status).toBe(200);
      expect((await gw.call('/refresh', { json: { refresh_token: tokens.refresh_token } })).status).toBe(200);
      // A token whose sub is not a UUID is just "no such user", not a 5xx.
      const backend = await backendFor(env);
      expect(await backend.findById('42', null)).toBeNull();
      await backend.close();
      const sql = postgres(dsn, { max: 1, onnotice: () => {} });
      expect(await sql`SELECT email_address, user_role, display_name FROM auth.accounts`).toEqual([
        { email_address: 'mapped@example.com', user_role: 'user', display_name: null },
      ]);
      await sql.end();
    } finally {
      await gw.close();
    }
  });

  it('SQLite: a mapped table that exists is used as it is', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'authura-map-')), 'app.db');
    const db = new Database(path);
    db.exec(`CREATE TABLE members (member_id INTEGER PRIMARY KEY, mail TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
             pw TEXT NOT NULL, tenant TEXT, confirmed TEXT, nickname TEXT)`);
    db.close();
    const gw = await testApp({
      SQLITE_DB_PATH: path,
      USERS_TABLE: 'members',
      USERS_COLUMNS: 'id=member_id,email=mail,role=kind,password=pw,tenant_id=tenant,verified_at=confirmed',
    });
    try {
      await signUp(gw, 'member@example.com');
      expect((await gw.call('/token', { json: { email: 'member@example.com', password: STRONG_PASSWORD } })).status).toBe(200);
    } finally {
      await gw.close();
    }
    const check = new Database(path, { readonly: true });
    expect(check.prepare('SELECT mail, kind, nickname FROM members').all()).toEqual([{ mail: 'member@example.com', kind: 'user', nickname: null }]);
    expect(check.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'users'").get()).toEqual({ n: 0 });
    check.close();
  });

  it('SESSION_VERSION_COLUMN: auto finds the column or goes without, a named one must exist, off ignores it', async () => {
    const dsn = await createDatabase();
    const sqlitePath = join(mkdtempSync(join(tmpdir(), 'authura-sv-')), 'app.db');
    new Database(sqlitePath).exec(`CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, role TEXT NOT NULL,
      password TEXT NOT NULL, tenant_id TEXT, verified_at TEXT, logouts INTEGER NOT NULL DEFAULT 0)`);
    const user = { email: 'sv@example.com', role: 'user', password: 'x', tenant_id: null, verified_at: null };
    const stores: Record<string, string>[] = [{ AUTH_BACKEND: 'postgres', POSTGRES_DSN: dsn }, { AUTH_BACKEND: 'sqlite', SQLITE_DB_PATH: sqlitePath }];
    for (const store of stores) {
      // The README table has no session_version column: auto goes without (logout cannot revoke).
      const auto = await backendFor(store);
      const created = await auto.create({ ...user, email: `${store.AUTH_BACKEND}@example.com` });
      expect(created.session_version).toBeUndefined();
      expect((await auto.update(created.id, null, { session_version: 3 }))?.session_version).toBeUndefined();
      expect(await auto.capabilities()).toMatchObject({ conditionalUpdate: true, sessionVersion: false });
      await auto.close();
      // Named but missing: a clear error (at start for SQLite, at the first call for Postgres).
      const missing = (async () => (await backendFor({ ...store, SESSION_VERSION_COLUMN: 'session_version' })).findById(created.id, null))();
      await expect(missing).rejects.toThrow(/has no column session_version \(SESSION_VERSION_COLUMN\)/);
    }
    // A column of another name, named.
    const named = await backendFor({ AUTH_BACKEND: 'sqlite', SQLITE_DB_PATH: sqlitePath, SESSION_VERSION_COLUMN: 'logouts' });
    const found = await named.findByEmail('sqlite@example.com', null);
    if (!found) throw new Error('the row is not found');
    expect(found.session_version).toBe(0);
    expect((await named.update(found.id, null, { session_version: 1 }))?.session_version).toBe(1);
    await named.close();
    // off: a table that has the column is used without it.
    await migrate(loadConfig({ ...SECRETS, AUTH_BACKEND: 'postgres', POSTGRES_DSN: dsn }, { devSecrets: false }).backend);
    const off = await backendFor({ AUTH_BACKEND: 'postgres', POSTGRES_DSN: dsn, SESSION_VERSION_COLUMN: 'off' });
    expect((await off.findByEmail('postgres@example.com', null))?.session_version).toBeUndefined();
    expect(await off.capabilities()).toMatchObject({ conditionalUpdate: true, sessionVersion: false });
    await off.close();
    const on = await backendFor({ AUTH_BACKEND: 'postgres', POSTGRES_DSN: dsn });
    expect((await on.findByEmail('postgres@example.com', null))?.session_version).toBe(0);
    expect(await on.capabilities()).toEqual({ conditionalUpdate: true, spendOnce: true, sessionVersion: true, mfa: true, passkeys: true, listUsers: true, deleteUser: true, claims: false });
    await on.close();
  });

  it('refuses column maps and table names that are not plain identifiers', () => {
    for (const [name, value] of [
      ['USERS_COLUMNS', 'email=mail; DROP TABLE users'],
      ['USERS_COLUMNS', 'nickname=nick'],
      ['USERS_COLUMNS', 'email=role'],
      ['USERS_TABLE', 'users; DROP TABLE x'],
      ['USERS_TABLE', 'a.b.c'],
      ['SESSION_VERSION_COLUMN', 'v; DROP TABLE users'],
      ['SESSION_VERSION_COLUMN', 'email'],
    ] as const) {
      expect(() => loadConfig({ ...SECRETS, [name]: value }, { devSecrets: false }), `${name}=${value}`).toThrow(name);
    }
  });
});
