import Database from 'better-sqlite3';
import bcrypt from 'bcryptjs';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signUp, testApp, STRONG_PASSWORD, tokenOf, type TestGateway } from './fixtures.js';
import { startHookReceiver } from './fakes.js';

const HASURA = 'https://hasura.io/jwt/claims';
const ADMIN = { email: 'root@example.com', password: 'Admin-Pass-123!' };
const acme = { 'X-Tenant-ID': 'acme' };

/** Hasura's documented JWT rules for the claims object. */
function expectHasuraShape(claims: Record<string, unknown>) {
  const ns = claims[HASURA] as Record<string, unknown>;
  expect(typeof ns['x-hasura-default-role']).toBe('string');
  expect(Array.isArray(ns['x-hasura-allowed-roles'])).toBe(true);
  expect((ns['x-hasura-allowed-roles'] as unknown[]).every((r) => typeof r === 'string')).toBe(true);
  expect(ns['x-hasura-allowed-roles']).toContain(ns['x-hasura-default-role']);
  for (const [key, value] of Object.entries(ns)) {
    expect(key).toMatch(/^x-hasura-/);
    if (key !== 'x-hasura-allowed-roles') expect(typeof value, key).toBe('string');
  }
  return ns;
}

describe('JWT extensions', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await testApp({
      JWT_EXTENSIONS: 'hasura,env',
      JWT_ENV_EXTENSION_NAMESPACE: 'custom',
      JWT_ENV_EXTENSION_CLAIMS: '{"x-custom-claim-id": "{{.ID}}", "mail": "{{email}}", "nested": {"role": "{{.Role}}", "tenant": "{{.TenantID}}"}, "n": 5}',
      MULTI_TENANT_ENABLED: 'true',
      INITIAL_USER_EMAIL: ADMIN.email,
      INITIAL_USER_PASSWORD: ADMIN.password,
      INITIAL_USER_TENANT_ID: 'acme',
      IMPERSONATION_ENABLED: 'true',
    });
  });
  afterAll(() => gw.close());

  it('hasura: a normal user gets its role, the default role, its id and tenant, all strings', async () => {
    const { user, tokens } = await signUp(gw, 'h@example.com', STRONG_PASSWORD, acme);
    const claims = decodeJwt(tokens.access_token);
    const ns = expectHasuraShape(claims);
    expect(ns).toEqual({
      'x-hasura-default-role': 'user',
      'x-hasura-allowed-roles': ['user'],
      'x-hasura-user-id': String(user.id),
      'x-hasura-tenant-id': 'acme',
    });
    expect(claims).toMatchObject({ sub: String(user.id), role: 'user', tid: 'acme' });
  });

  it('hasura: the admin may also act as the default role; a normal user never gets ADMIN_ROLE', async () => {
    const login = await gw.call('/token', { json: ADMIN, headers: acme });
    const admin = (await login.json()) as { access_token: string };
    const ns = expectHasuraShape(decodeJwt(admin.access_token));
    expect(ns['x-hasura-default-role']).toBe('admin');
    expect(ns['x-hasura-allowed-roles']).toEqual(['admin', 'user']);

    await gw.call('/invite', { json: { email: 'ed@example.com', role: 'editor' }, bearer: admin.access_token, headers: acme });
    const token = tokenOf((await gw.mail.next('ed@example.com')).link);
    const accept = (await (await gw.call('/verify-email', { json: { token, password: STRONG_PASSWORD }, headers: acme })).json()) as {
      tokens: { access_token: string };
    };
    const editor = expectHasuraShape(decodeJwt(accept.tokens.access_token));
    expect(editor['x-hasura-allowed-roles']).toEqual(['editor', 'user']);
    expect(editor['x-hasura-allowed-roles']).not.toContain('admin');

    // Impersonation: the target's claims, plus who is acting.
    const imp = await gw.call('/token', { json: { email: 'ed@example.com', password: '' }, bearer: admin.access_token, headers: acme });
    const impClaims = decodeJwt(((await imp.json()) as { access_token: string }).access_token);
    const ns2 = expectHasuraShape(impClaims);
    expect(ns2['x-hasura-default-role']).toBe('editor');
    expect(ns2['x-hasura-impersonator-id']).toBe(decodeJwt(admin.access_token).sub);
  });

  it('env: renders the README template syntax and handlebars fields under the namespace', async () => {
    const { user, tokens } = await signUp(gw, 'env@example.com', STRONG_PASSWORD, acme);
    expect(decodeJwt(tokens.access_token).custom).toEqual({
      'x-custom-claim-id': String(user.id),
      mail: 'env@example.com',
      nested: { role: 'user', tenant: 'acme' },
      n: 5,
    });
  });

  it('user data can never add or override claims, through the email, the role or the template', async () => {
    // An existing table can hold anything; these rows are written past the API's validation.
    const db = new Database(gw.dbPath);
    const hash = bcrypt.hashSync(STRONG_PASSWORD, 4);
    const evilEmail = 'x"},"role":"admin","sub":"1","custom":{"a":"{{.Role}}@example.com';
    const evilRole = 'user","x-hasura-allowed-roles":["admin"],"y":"';
    db.prepare("INSERT INTO users (email, role, password, tenant_id, verified_at) VALUES (?, ?, ?, 'acme', '2025-01-01T00:00:00Z')").run(evilEmail, evilRole, hash);
    db.close();
    const backend = gw.deps.backend;
    const stored = await backend.findByEmail(evilEmail, 'acme');
    if (!stored) throw new Error('the row was not stored');
    // Log in the way the gateway does, through its own token path.
    const { issueTokens } = await import('../src/accounts/sign-in.js');
    const tokens = await issueTokens(gw.deps, { user: stored, hookData: undefined });
    const claims = decodeJwt(tokens.access_token);
    expect(claims.role).toBe(evilRole);
    expect(claims.sub).toBe(String(stored.id));
    expect(claims.email).toBe(evilEmail);
    expect(Object.keys(claims).sort()).toEqual([HASURA, 'custom', 'email', 'exp', 'iat', 'iss', 'jti', 'role', 'roles', 'sub', 'tid', 'verified_at'].sort());
    const custom = claims.custom as Record<string, unknown>;
    expect(custom.mail).toBe(evilEmail);
    expect(Object.keys(custom).sort()).toEqual(['mail', 'n', 'nested', 'x-custom-claim-id']);
    const ns = claims[HASURA] as Record<string, unknown>;
    expect(ns['x-hasura-allowed-roles']).toEqual([evilRole, 'user']);
    expect(ns['x-hasura-default-role']).toBe(evilRole);
  });
});

describe('hasura stringified_json and a custom namespace', () => {
  it('puts the claims object as a JSON string under the namespace', async () => {
    const gw = await testApp({ JWT_EXTENSIONS: 'hasura', HASURA_CLAIMS_FORMAT: 'stringified_json', HASURA_CLAIMS_NAMESPACE: 'hasura' });
    try {
      const { user, tokens } = await signUp(gw, 's@example.com');
      const claims = decodeJwt(tokens.access_token);
      expect(typeof claims.hasura).toBe('string');
      expect(JSON.parse(claims.hasura as string)).toEqual({
        'x-hasura-default-role': 'user',
        'x-hasura-allowed-roles': ['user'],
        'x-hasura-user-id': String(user.id),
      });
    } finally {
      await gw.close();
    }
  });
});

describe('webhooks', () => {
  let gw: TestGateway;
  let hook: Awaited<ReturnType<typeof startHookReceiver>>;
  const SIGNING = 'hook-signing-secret-0123456789';
  beforeAll(async () => {
    hook = await startHookReceiver();
    gw = await testApp({
      HOOK_URL: hook.url,
      HOOK_AUTH_HEADER_VALUE: 'Bearer hook-token',
      HOOK_SIGNING_SECRET: SIGNING,
      HOOK_TIMEOUT: '500ms',
      JWT_EXTENSIONS: 'hasura',
    });
  });
  beforeEach(() => hook.reset());
  afterAll(async () => {
    await gw.close();
    await hook.close();
  });

  /** What a receiver does with the documented signature header. */
  function verifySignature(header: string | undefined, rawBody: string): boolean {
    const parts = Object.fromEntries((header ?? '').split(',').map((p) => p.split('=') as [string, string]));
    const t = Number(parts.t);
    if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > 300 || !parts.v1) return false;
    const expected = createHmac('sha256', SIGNING).update(`${t}.${rawBody}`).digest();
    const given = Buffer.from(parts.v1, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  it('create_or_update_user before the create, get_user on login: signed, authenticated, never the hash', async () => {
    hook.replies.create_or_update_user = { body: { created_by_hook: true } };
    hook.replies.get_user = { body: { plan: 'pro', sub: 'hijack', role: 'admin', 'x-hasura-role': 'admin', [HASURA]: { 'x-hasura-default-role': 'admin' } } };
    const { user, tokens } = await signUp(gw, 'hooked@example.com');
    const create = hook.calls.find((c) => c.action === 'create_or_update_user');
    expect(create?.body).toEqual({ id: null, email: 'hooked@example.com', role: 'user', tenant_id: null, verified_at: expect.any(String) });
    expect(create?.headers.authorization).toBe('Bearer hook-token');
    expect(verifySignature(create?.headers['x-authura-signature'] as string, create?.rawBody ?? '')).toBe(true);
    expect(verifySignature(create?.headers['x-authura-signature'] as string, `${create?.rawBody} `)).toBe(false);
    expect(user).toMatchObject({ hook_data: { created_by_hook: true } });
    expect(decodeJwt(tokens.access_token).hook_data).toEqual({ created_by_hook: true });

    const login = await gw.call('/token', { json: { email: 'hooked@example.com', password: STRONG_PASSWORD } });
    const claims = decodeJwt(((await login.json()) as { access_token: string }).access_token);
    const get = hook.calls.find((c) => c.action === 'get_user');
    expect(get?.body).toEqual({ id: user.id, email: 'hooked@example.com', role: 'user', tenant_id: null, verified_at: user.verified_at });
    expect(verifySignature(get?.headers['x-authura-signature'] as string, get?.rawBody ?? '')).toBe(true);
    for (const call of hook.calls) expect(call.rawBody).not.toMatch(/password|\$2[aby]\$/);
    // Hook data rides along, nested: it cannot replace sub, role or the Hasura claims.
    expect(claims.hook_data).toMatchObject({ plan: 'pro', sub: 'hijack', role: 'admin' });
    expect(claims.sub).toBe(String(user.id));
    expect(claims.role).toBe('user');
    expect((claims[HASURA] as Record<string, unknown>)['x-hasura-default-role']).toBe('user');
    expect(claims).not.toHaveProperty('x-hasura-role');

    const me = await gw.call('/user', { bearer: tokens.access_token });
    expect(await me.json()).toMatchObject({ user: { email: 'hooked@example.com', hook_data: { plan: 'pro' } } });
  });

  it('a refusing create_or_update_user hook: its status and body reach the client, nothing is written', async () => {
    hook.replies.create_or_update_user = { status: 403, body: { error: 'domain_not_allowed', message: 'Use your work address' } };
    await gw.call('/signup', { json: { email: 'refused@example.com' } });
    const token = tokenOf((await gw.mail.next('refused@example.com')).link);
    const verify = await gw.call('/verify-email', { json: { token, password: STRONG_PASSWORD } });
    expect(verify.status).toBe(403);
    expect(await verify.json()).toEqual({ error: 'domain_not_allowed', message: 'Use your work address' });
    expect(await gw.deps.backend.findByEmail('refused@example.com', null)).toBeNull();
    // The link still works once the hook agrees.
    hook.replies.create_or_update_user = { body: {} };
    expect((await gw.call('/verify-email', { json: { token, password: STRONG_PASSWORD } })).status).toBe(200);
  });

  it('a refusing hook on update leaves the password as it was', async () => {
    const { tokens } = await signUp(gw, 'keep-pass@example.com');
    hook.replies.create_or_update_user = { status: 422, body: 'password rotation frozen' };
    const change = await gw.call('/change-password', { json: { old_password: STRONG_PASSWORD, new_password: 'Other-Pass-55' }, bearer: tokens.access_token });
    expect(change.status).toBe(422);
    expect(await change.json()).toEqual({ error: 'hook_refused', message: 'password rotation frozen' });
    expect((await gw.call('/token', { json: { email: 'keep-pass@example.com', password: STRONG_PASSWORD } })).status).toBe(200);
  });

  it('a refusing get_user hook blocks login, refresh and /user with its answer', async () => {
    const { tokens } = await signUp(gw, 'blocked@example.com');
    hook.replies.get_user = { status: 423, body: { error: 'account_locked' } };
    for (const response of [
      await gw.call('/token', { json: { email: 'blocked@example.com', password: STRONG_PASSWORD } }),
      await gw.call('/refresh', { json: { refresh_token: tokens.refresh_token } }),
      await gw.call('/user', { bearer: tokens.access_token }),
    ]) {
      expect(response.status).toBe(423);
      expect(await response.json()).toEqual({ error: 'account_locked' });
    }
  });

  it('a slow hook is a 504, a dead or babbling one a 502; nothing written', async () => {
    await gw.call('/signup', { json: { email: 'slowhook@example.com' } });
    const token = tokenOf((await gw.mail.next('slowhook@example.com')).link);
    // The hook holds the call past HOOK_TIMEOUT (until released).
    hook.replies.create_or_update_user = { hold: true };
    const slow = await gw.call('/verify-email', { json: { token, password: STRONG_PASSWORD } });
    hook.release();
    expect(slow.status).toBe(504);
    expect(await slow.json()).toMatchObject({ error: 'hook_timeout' });
    hook.replies.create_or_update_user = { body: 'not json' };
    const garbage = await gw.call('/verify-email', { json: { token, password: STRONG_PASSWORD } });
    expect(garbage.status).toBe(502);
    expect(await garbage.json()).toMatchObject({ error: 'hook_failed' });
    hook.replies.create_or_update_user = { body: '[1,2]' };
    expect((await gw.call('/verify-email', { json: { token, password: STRONG_PASSWORD } })).status).toBe(502);
    expect(await gw.deps.backend.findByEmail('slowhook@example.com', null)).toBeNull();

    const dead = await testApp({ HOOK_URL: 'http://127.0.0.1:1/hook', SQLITE_DB_PATH: gw.dbPath });
    try {
      const response = await dead.call('/token', { json: { email: 'hooked@example.com', password: STRONG_PASSWORD } });
      expect(response.status).toBe(502);
      expect(await response.json()).toMatchObject({ error: 'hook_failed' });
    } finally {
      await dead.close();
    }
  });
});
