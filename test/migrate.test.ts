import { spawnSync } from 'node:child_process';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { createDatabase } from './helpers/databases.js';

/** `npm run migrate` as a production migration job runs it: the backend's variables and nothing else. */
function migrate(env: Record<string, string>, ...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/migrate.ts', ...args], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

describe('npm run migrate in production', () => {
  it('needs only the backend: no JWT secrets, mail or URLs', async () => {
    const dsn = await createDatabase('SELECT 1');
    const job = { NODE_ENV: 'production', AUTH_BACKEND: 'postgres', POSTGRES_DSN: dsn };
    const printed = migrate(job, '--print');
    expect(printed.err).toBe('');
    expect(printed.out).toContain('CREATE TABLE IF NOT EXISTS');
    expect(printed.out).toContain('CREATE TABLE IF NOT EXISTS "authura_mfa"');
    // The fix for mixed-case emails, shown; the index of case-insensitive lookups, when chosen.
    expect(printed.out).toContain('-- UPDATE "users" SET "email" = lower("email") WHERE "email" <> lower("email");');
    expect(printed.out).not.toContain('users_lower_email');
    expect(migrate({ ...job, EMAIL_LOOKUP: 'insensitive' }, '--print').out).toContain('CREATE INDEX IF NOT EXISTS "users_lower_email" ON "users" (lower("email"));');
    for (let i = 0; i < 2; i++) {
      // Twice: idempotent.
      const done = migrate(job);
      expect(done).toMatchObject({ code: 0, err: '' });
      expect(done.out).toContain('users table "users" is ready (postgres)');
    }
    const sql = postgres(dsn, { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql`SELECT to_regclass('users') AS users, to_regclass('authura_spent_links') AS spent, to_regclass('authura_mfa') AS mfa`;
      expect(row).toMatchObject({ users: 'users', spent: 'authura_spent_links', mfa: 'authura_mfa' });
    } finally {
      await sql.end();
    }
  });

  it("still refuses a backend variable that is wrong, naming it (and not another section's)", () => {
    const bad = migrate({ NODE_ENV: 'production', AUTH_BACKEND: 'postgres', POSTGRES_DSN: 'not a url', JWT_EXPIRATION: 'soon' });
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('POSTGRES_DSN: is not a postgres:// URL');
    expect(bad.err).not.toContain('JWT_EXPIRATION');
  });
});
