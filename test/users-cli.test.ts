import { execFile } from 'node:child_process';
import { pbkdf2Sync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importJsonSchema } from '../src/users/import-format.js';
import { type TestGateway, testApp } from './fixtures.js';
import { type BackendStore, backendStores } from './helpers/backend-stores.js';

/** `npm run users -- …` as a job runs it: the backend's variables and nothing else (async: the fake stores answer meanwhile). */
function users(env: Record<string, string>, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/users.ts', ...args], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' }, (error, out, err) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }),
    );
  });
}
const lines = (text: string) => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
const django = (password: string) => `pbkdf2_sha256$1000$salt$${pbkdf2Sync(password, 'salt', 1000, 32, 'sha256').toString('base64')}`;

/** Hanko's sample (seed 000), extended: a hash, a role, a tenant, a second email, and two bad rows. */
const FILE = [
  { user_id: '799e95f0-4cc7-4bd7-9f01-5fdc4fa26ea3', emails: [{ address: 'Ann@Example.com', is_primary: true, is_verified: true }, { address: 'ann.old@example.com', is_primary: false, is_verified: false }], created_at: '2023-06-07T13:42:49.369489Z', updated_at: '2023-06-07T13:42:49.369489Z', password_hash: django('ann password'), role: 'editor' },
  { user_id: '', emails: [{ address: 'bob@example.com', is_primary: true, is_verified: true }], created_at: '2023-06-07T13:42:49.369494Z', updated_at: '2023-06-07T13:42:49.369494Z' },
  { emails: [{ address: 'carol@example.com', is_primary: true, is_verified: false }], tenant_id: 'acme' },
  { emails: [{ address: 'not an email', is_primary: true }] },
  { emails: [{ address: 'dan@example.com', is_primary: true }], password_hash: 'md5$nothing' },
];

describe('the shipped import schema', () => {
  it('is the one the import validates with', () => {
    expect(JSON.parse(readFileSync('schemas/user-import.schema.json', 'utf8'))).toEqual(importJsonSchema());
  });
});

describe.each(Object.keys(backendStores()))('npm run users on the %s backend', (name) => {
  let store: BackendStore;
  let dir: string;
  let env: Record<string, string>;
  let gw: TestGateway;
  beforeAll(async () => {
    store = await backendStores()[name as keyof ReturnType<typeof backendStores>]();
    dir = mkdtempSync(join(tmpdir(), 'authura-users-'));
    env = { ...store.env, SQLITE_DB_PATH: join(dir, 'users.db') };
    gw = await testApp(env);
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports Hanko JSON: a dry run writes nothing; then created and refused rows with reasons; a second run creates nothing; the users sign in', async () => {
    const file = join(dir, 'users.json');
    writeFileSync(file, JSON.stringify(FILE));
    const dry = await users(env, 'import', file, '--dry-run');
    expect(dry.err).toBe('');
    expect(lines(dry.out).at(-1)).toEqual({ summary: { created: 3, updated: 0, skipped: 0, refused: 2 }, dry_run: true });
    expect(await gw.deps.backend.findByEmail('bob@example.com', null)).toBeNull();

    const run = await users(env, 'import', file);
    expect(run.code).toBe(2); // some rows refused
    const report = lines(run.out);
    expect(report.at(-1)).toEqual({ summary: { created: 3, updated: 0, skipped: 0, refused: 2 }, dry_run: false });
    expect(report).toContainEqual({ row: 4, outcome: 'refused', reason: expect.stringContaining('emails.0.address') });
    expect(report).toContainEqual({ row: 5, outcome: 'refused', reason: 'password_hash: not a format the gateway verifies' });
    expect(report).toContainEqual({ row: 1, outcome: 'created', email: 'ann@example.com', reason: 'only the primary email is imported; not: ann.old@example.com' });
    const ann = await gw.deps.backend.findByEmail('ann@example.com', null);
    expect(ann).toMatchObject({ role: 'editor', verified_at: '2023-06-07T13:42:49.369Z' });
    expect(await gw.deps.backend.findByEmail('carol@example.com', 'acme')).toMatchObject({ verified_at: null, role: 'user' });
    // The imported hash signs in (and is moved to bcrypt); a user imported without one cannot.
    expect((await gw.call('/token', { json: { email: 'ann@example.com', password: 'ann password' } })).status).toBe(200);
    expect((await gw.call('/token', { json: { email: 'bob@example.com', password: '!' } })).status).toBe(401);

    const again = await users(env, 'import', file);
    expect(lines(again.out).at(-1)).toEqual({ summary: { created: 0, updated: 0, skipped: 3, refused: 2 }, dry_run: false });
  }, 60_000);

  it('updates existing users with --on-conflict=update, from JSON Lines', async () => {
    const file = join(dir, 'update.jsonl');
    writeFileSync(file, `${JSON.stringify({ emails: [{ address: 'bob@example.com', is_primary: true, is_verified: true }], role: 'auditor' })}\n\n${JSON.stringify({ emails: [{ address: 'eve@example.com', is_primary: true }] })}\n{oops\n`);
    const run = await users(env, 'import', file, '--on-conflict=update');
    const report = lines(run.out);
    expect(report.at(-1)).toEqual({ summary: { created: 1, updated: 1, skipped: 0, refused: 1 }, dry_run: false });
    expect(report).toContainEqual({ row: 1, outcome: 'updated', email: 'bob@example.com', reason: 'changed: role' });
    expect(report).toContainEqual({ row: 4, outcome: 'refused', reason: expect.stringContaining('not valid JSON') });
    expect(await gw.deps.backend.findByEmail('bob@example.com', null)).toMatchObject({ role: 'auditor' });
  }, 60_000);

  it('exports in the same format (JSON and JSON Lines, one tenant or all), which imports back unchanged', async () => {
    const all = await users(env, 'export', '--format', 'jsonl');
    expect(all.code).toBe(0);
    const exported = lines(all.out);
    expect(exported.map((u) => u.emails)).toEqual(expect.arrayContaining([[{ address: 'ann@example.com', is_primary: true, is_verified: true }]]));
    expect(exported.find((u) => (u.emails as { address: string }[])[0]?.address === 'carol@example.com')).toMatchObject({ tenant_id: 'acme', role: 'user' });
    const acme = JSON.parse((await users(env, 'export', '--tenant', 'acme')).out) as { emails: { address: string }[] }[];
    expect(acme.map((u) => u.emails[0]?.address)).toEqual(['carol@example.com']);
    const file = join(dir, 'export.jsonl');
    writeFileSync(file, all.out);
    const back = await users(env, 'import', file, '--on-conflict=update');
    expect(lines(back.out).at(-1)).toEqual({ summary: { created: 0, updated: 0, skipped: exported.length, refused: 0 }, dry_run: false });
  }, 60_000);
});

describe('npm run users with a store that does not answer', () => {
  it('stops the import with exit 1 and the reason (no row is called refused); the export too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authura-users-down-'));
    try {
      const file = join(dir, 'users.jsonl');
      writeFileSync(file, `${JSON.stringify({ emails: [{ address: 'a@example.com', is_primary: true }] })}\n`);
      const env = { AUTH_BACKEND: 'http', HTTP_URL: 'http://127.0.0.1:1/users', HTTP_ADMIN_CALLS: 'list', BACKEND_TIMEOUT: '1s' };
      const run = await users(env, 'import', file);
      expect(run.code).toBe(1);
      expect(run.err).toContain('the import stopped, the store failing: The users service is unreachable');
      expect(run.out).toBe('');
      const exported = await users(env, 'export');
      expect(exported.code).toBe(1);
      expect(exported.err).toContain('unreachable');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
