import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { signUp, STRONG_PASSWORD, type TestGateway, testApp } from '../fixtures.js';
import { json, startFakeServer } from '../fakes.js';
import { createDatabase, MIGRATED_SCHEMA } from '../helpers/databases.js';

const HASURA = 'https://hasura.io/jwt/claims';
const NS = 'https://authura.dev/claims';
const QUERY = `SELECT m.org_id AS "x-hasura-org-id", m.plan, m.roles, m.teams AS "x-hasura-team-ids" FROM memberships m WHERE m.user_id = $1`;
type Json = Record<string, unknown>;

const login = async (gw: TestGateway, email: string, password = STRONG_PASSWORD) => {
  const response = await gw.call('/token', { json: { email, password } });
  return { status: response.status, body: (await response.json()) as Json };
};

describe('claims from the operator data on SQLite (JWT_CLAIMS_QUERY)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'authura-claims-'));
  const path = join(dir, 'users.db');
  const gateways: TestGateway[] = [];
  afterAll(async () => {
    for (const gw of gateways) await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const gateway = async (env: Record<string, string>) => {
    const gw = await testApp({ SQLITE_DB_PATH: path, JWT_EXTENSIONS: 'hasura', ...env });
    gateways.push(gw);
    return gw;
  };

  it('puts the row into the token: its columns under JWT_CLAIMS_NAMESPACE, x-hasura-* to Hasura (a list as an array literal), several roles', async () => {
    const before = await gateway({});
    const { user, tokens } = await signUp(before, 'member@example.com');
    const db = new Database(path);
    db.exec('CREATE TABLE memberships (user_id INTEGER, org_id TEXT, plan TEXT, roles TEXT, teams TEXT)');
    db.prepare("INSERT INTO memberships VALUES (?, 'org-7', 'pro', 'editor,viewer', NULL)").run(user.id);
    db.close();
    const gw = await gateway({ JWT_CLAIMS_QUERY: QUERY });
    const { body } = await login(gw, 'member@example.com');
    const claims = decodeJwt(body.access_token as string) as Json;
    expect(claims[NS]).toEqual({ plan: 'pro' });
    expect(claims.role).toBe('user');
    expect(claims.roles).toEqual(['editor', 'viewer']);
    expect(claims[HASURA]).toMatchObject({ 'x-hasura-org-id': 'org-7', 'x-hasura-default-role': 'editor', 'x-hasura-allowed-roles': ['editor', 'viewer', 'user'], 'x-hasura-user-id': String(user.id) });
    // A refresh reads them again; a refresh token from before keeps working (the fingerprint is the same).
    const refreshed = (await (await gw.call('/refresh', { json: { refresh_token: tokens.refresh_token } })).json()) as Json;
    expect(decodeJwt(refreshed.access_token as string)[NS]).toEqual({ plan: 'pro' });
  });

  it('without the hasura extension, x-hasura-* columns are ordinary claims under the namespace', async () => {
    const gw = await gateway({ JWT_CLAIMS_QUERY: QUERY, JWT_EXTENSIONS: '' });
    const claims = decodeJwt((await login(gw, 'member@example.com')).body.access_token as string) as Json;
    expect(claims[NS]).toEqual({ 'x-hasura-org-id': 'org-7', plan: 'pro' });
    expect(claims[HASURA]).toBeUndefined();
  });

  it('adds nothing for no row, and refuses two rows (502) rather than guess', async () => {
    const gw = await gateway({ JWT_CLAIMS_QUERY: QUERY });
    await signUp(gw, 'nobody-in-orgs@example.com');
    const claims = decodeJwt((await login(gw, 'nobody-in-orgs@example.com')).body.access_token as string) as Json;
    expect(claims[NS]).toBeUndefined();
    expect(claims.roles).toEqual(['user']);
    const { user } = await signUp(gw, 'twice@example.com');
    const db = new Database(path);
    db.prepare("INSERT INTO memberships VALUES (?, 'a', 'x', NULL, NULL), (?, 'b', 'y', NULL, NULL)").run(user.id, user.id);
    db.close();
    expect(await login(gw, 'twice@example.com')).toMatchObject({ status: 502, body: { error: 'backend_error' } });
  });

  it('refuses to start with a query that writes, does not prepare, or is more than one SELECT', async () => {
    await expect(gateway({ JWT_CLAIMS_QUERY: "SELECT 1 FROM nowhere WHERE x = $1" })).rejects.toThrow(/JWT_CLAIMS_QUERY: SQLite refused it/);
    await expect(gateway({ JWT_CLAIMS_QUERY: 'SELECT 1; DELETE FROM users' })).rejects.toThrow(/one SELECT statement/);
    await expect(gateway({ JWT_CLAIMS_QUERY: "WITH gone AS (DELETE FROM memberships RETURNING *) SELECT * FROM gone WHERE user_id = $1" })).rejects.toThrow(/JWT_CLAIMS_QUERY/);
  });

  it('a list-valued role column (ROLE_COLUMN_LIST) gives several roles; ADMIN_ROLE is a membership', async () => {
    const gw = await gateway({ ROLE_COLUMN_LIST: 'true' });
    const { user } = await signUp(gw, 'multi@example.com');
    const db = new Database(path);
    db.prepare("UPDATE users SET role = 'editor,admin' WHERE id = ?").run(user.id);
    db.close();
    const { body } = await login(gw, 'multi@example.com');
    const claims = decodeJwt(body.access_token as string) as Json;
    expect(claims).toMatchObject({ role: 'editor,admin', roles: ['editor', 'admin'] });
    expect((claims[HASURA] as Json)['x-hasura-default-role']).toBe('editor');
    // An admin among its roles: it may invite.
    expect((await gw.call('/invite', { json: { email: 'invited-by-multi@example.com' }, bearer: body.access_token as string })).status).toBe(200);
  });
});

describe('claims from the operator data on Postgres (JWT_CLAIMS_QUERY in a read-only transaction)', () => {
  it('reads the row (arrays as arrays), and refuses at start a query that would write', async () => {
    const dsn = await createDatabase(`${MIGRATED_SCHEMA}; CREATE TABLE memberships (user_id INTEGER, org_id TEXT, plan TEXT, roles TEXT[], teams INTEGER[]); CREATE SEQUENCE s;`);
    const gw = await testApp({ AUTH_BACKEND: 'postgres', POSTGRES_DSN: dsn, JWT_EXTENSIONS: 'hasura', JWT_CLAIMS_QUERY: QUERY });
    try {
      const { user } = await signUp(gw, 'pg-member@example.com');
      const sql = postgres(dsn, { max: 1, onnotice: () => {} });
      await sql`INSERT INTO memberships VALUES (${user.id}, 'org-9', 'team', ${['admin', 'editor']}, ${[3, 5]})`;
      await sql.end();
      const claims = decodeJwt((await login(gw, 'pg-member@example.com')).body.access_token as string) as Json;
      expect(claims[NS]).toEqual({ plan: 'team' });
      expect(claims.roles).toEqual(['admin', 'editor']);
      expect(claims[HASURA]).toMatchObject({ 'x-hasura-org-id': 'org-9', 'x-hasura-team-ids': '{"3","5"}', 'x-hasura-default-role': 'admin' });
    } finally {
      await gw.close();
    }
    await expect(testApp({ AUTH_BACKEND: 'postgres', POSTGRES_DSN: dsn, JWT_CLAIMS_QUERY: "SELECT nextval('s') AS n WHERE $1::text IS NOT NULL" })).rejects.toThrow(/read-only transaction/);
  });
});

describe('claims from the HTTP service (HTTP_CLAIMS_URL)', () => {
  it('takes the object the service answers (404: none)', async () => {
    const { startUsersService } = await import('../fakes.js');
    const service = await startUsersService({ name: 'Authorization', value: 'Bearer svc' });
    const claimsService = await startFakeServer((call, res) => (call.path.endsWith('/none') ? json(res, 404, {}) : json(res, 200, { tier: 'gold', 'x-hasura-org-id': 'o1', roles: ['viewer'] })));
    // With a role that needs a second factor too: the gate and the tokens share one read.
    const gw = await testApp({
      AUTH_BACKEND: 'http',
      HTTP_URL: service.url,
      HTTP_AUTH_HEADER_VALUE: 'Bearer svc',
      HTTP_CLAIMS_URL: `${claimsService.url}/claims`,
      HTTP_MFA_URL: service.mfaUrl,
      JWT_EXTENSIONS: 'hasura',
      MFA_ENABLED: 'true',
      MFA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      MFA_REQUIRED_ROLES: 'auditor',
    });
    try {
      await signUp(gw, 'http-claims@example.com');
      const before = claimsService.calls.length;
      const claims = decodeJwt((await login(gw, 'http-claims@example.com')).body.access_token as string) as Json;
      expect(claimsService.calls.length - before).toBe(1);
      expect(claims[NS]).toEqual({ tier: 'gold' });
      expect(claims.roles).toEqual(['viewer']);
      expect(claims[HASURA]).toMatchObject({ 'x-hasura-org-id': 'o1', 'x-hasura-default-role': 'viewer' });
      expect(claimsService.calls.some((c) => c.headers.authorization === 'Bearer svc')).toBe(true);
    } finally {
      await gw.close();
      await claimsService.close();
      await service.close();
    }
  });
});

describe('claims from the user relationships on Hasura (JWT_CLAIMS_MAP)', () => {
  it('fetches every path in one query: lists as Postgres array literals for Hasura, several roles; a path Hasura lacks stops the start', async () => {
    const { startHasura } = await import('../fakes.js');
    const dsn = await createDatabase(
      `${MIGRATED_SCHEMA}; CREATE TABLE orgs (id TEXT PRIMARY KEY, plan TEXT); CREATE TABLE memberships (user_id INTEGER, role TEXT, org_id TEXT REFERENCES orgs);`,
    );
    const hasura = await startHasura(dsn, 'admin-secret');
    const env = { AUTH_BACKEND: 'hasura', HASURA_URL: hasura.url, HASURA_GRAPHQL_ADMIN_SECRET: 'admin-secret', JWT_EXTENSIONS: 'hasura' };
    const map = { 'x-hasura-org-ids': 'memberships[].org_id', plans: 'memberships[].org.plan', roles: 'memberships[].role' };
    const gw = await testApp({ ...env, JWT_CLAIMS_MAP: JSON.stringify(map) });
    try {
      const { user } = await signUp(gw, 'hasura-member@example.com');
      const sql = postgres(dsn, { max: 1, onnotice: () => {} });
      await sql`INSERT INTO orgs VALUES ('o1', 'pro'), ('o2', 'free')`;
      await sql`INSERT INTO memberships VALUES (${user.id}, 'editor', 'o1'), (${user.id}, 'viewer', 'o2')`;
      await sql.end();
      const claims = decodeJwt((await login(gw, 'hasura-member@example.com')).body.access_token as string) as Json;
      expect(claims[NS]).toEqual({ plans: ['pro', 'free'] });
      expect(claims.roles).toEqual(['editor', 'viewer']);
      expect(claims[HASURA]).toMatchObject({ 'x-hasura-org-ids': '{"o1","o2"}', 'x-hasura-default-role': 'editor', 'x-hasura-allowed-roles': ['editor', 'viewer', 'user'] });
    } finally {
      await gw.close();
    }
    await expect(testApp({ ...env, JWT_CLAIMS_MAP: JSON.stringify({ plan: 'profile.plan' }) })).rejects.toThrow(/JWT_CLAIMS_MAP/);
    await hasura.close();
  });
});
