import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../src/backends/migrate.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createDatabase } from '../helpers/databases.js';
import { signUp, startGateway, STRONG_PASSWORD } from '../helpers/gateway.js';
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
    ]);
    await sql`INSERT INTO users (email, role, password) VALUES ('a@b.co', 'user', 'x')`;
    await expect(sql`INSERT INTO users (email, role, password) VALUES ('a@b.co', 'user', 'x')`).rejects.toMatchObject({ code: '23505' });
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
    const gw = await startGateway(env);
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
    const gw = await startGateway({
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

  it('refuses column maps and table names that are not plain identifiers', () => {
    for (const [name, value] of [
      ['USERS_COLUMNS', 'email=mail; DROP TABLE users'],
      ['USERS_COLUMNS', 'nickname=nick'],
      ['USERS_COLUMNS', 'email=role'],
      ['USERS_TABLE', 'users; DROP TABLE x'],
      ['USERS_TABLE', 'a.b.c'],
    ] as const) {
      expect(() => loadConfig({ ...SECRETS, [name]: value }, { devSecrets: false }), `${name}=${value}`).toThrow(name);
    }
  });
});
