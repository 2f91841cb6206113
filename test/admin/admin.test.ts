import { pbkdf2Sync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminApp } from '../../src/admin/app.js';
import { signUp, startGateway, STRONG_PASSWORD, type TestGateway, testApp, tokenOf } from '../fixtures.js';
import { type BackendStore, backendStores } from '../helpers/backend-stores.js';
import { startUsersService } from '../fakes.js';

const KEY = `ops:${'k'.repeat(40)}`;
const OLD_KEY = `old:${'o'.repeat(40)}`;
const stores = backendStores();
type Json = Record<string, unknown>;

/** A Django pbkdf2_sha256 hash of `password` (what an imported table holds). */
const djangoHash = (password: string) => `pbkdf2_sha256$1000$salt$${pbkdf2Sync(password, 'salt', 1000, 32, 'sha256').toString('base64')}`;

function adminClient(gw: TestGateway) {
  const app = createAdminApp(gw.deps);
  const connection = { incoming: { socket: { remoteAddress: '127.0.0.1', remotePort: 40001, remoteFamily: 'IPv4' } } };
  return async (path: string, init: { method?: string; json?: unknown; key?: string | null } = {}) => {
    const headers: Record<string, string> = {};
    if (init.key !== null) headers.authorization = `Bearer ${init.key ?? KEY}`;
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    const response = await app.request(`http://admin.test${path}`, { method: init.method ?? 'GET', headers, body: init.json === undefined ? undefined : JSON.stringify(init.json) }, connection);
    return { status: response.status, body: (await response.json()) as Json };
  };
}

describe.each(Object.keys(stores))('the admin API on the %s backend', (name) => {
  let store: BackendStore;
  let gw: TestGateway;
  let admin: ReturnType<typeof adminClient>;
  beforeAll(async () => {
    store = await stores[name as keyof typeof stores]();
    gw = await testApp({ ...store.env, BACKEND_TIMEOUT: '3s', ADMIN_PORT: '0', ADMIN_API_KEYS: `${KEY},${OLD_KEY}` });
    admin = adminClient(gw);
  });
  afterAll(async () => {
    await gw?.close();
    await store?.close();
  });

  it('refuses a call without a valid key (a wrong secret, an unknown id); audits every call with its key id', async () => {
    for (const key of [null, `ops:${'x'.repeat(40)}`, `nobody:${'k'.repeat(40)}`, 'garbage']) {
      expect(await admin('/admin/users', { key })).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    }
    await gw.logged('(no valid key)');
    expect((await admin('/admin/users', { key: OLD_KEY })).status).toBe(200);
    await gw.logged('"actor_id":"admin-key:old"');
    expect(gw.logs.join('\n')).not.toContain('k'.repeat(40));
  });

  it('creates users with a password, an imported hash or neither; they sign in as they should; a taken email is 409', async () => {
    const made = await admin('/admin/users', { method: 'POST', json: { email: 'Created@Example.com', password: STRONG_PASSWORD, verified: true, role: 'editor' } });
    expect(made).toMatchObject({ status: 200, body: { email: 'created@example.com', role: 'editor', verified_at: expect.any(String) } });
    expect((await gw.call('/token', { json: { email: 'created@example.com', password: STRONG_PASSWORD } })).status).toBe(200);
    expect((await admin('/admin/users', { method: 'POST', json: { email: 'imported@example.com', password_hash: djangoHash('old password'), verified: true } })).status).toBe(200);
    expect((await gw.call('/token', { json: { email: 'imported@example.com', password: 'old password' } })).status).toBe(200);
    expect(await admin('/admin/users', { method: 'POST', json: { email: 'bad-hash@example.com', password_hash: 'md5$abc' } })).toMatchObject({ status: 400, body: { error: 'validation_failed' } });
    expect(await admin('/admin/users', { method: 'POST', json: { email: 'weak@example.com', password: 'short' } })).toMatchObject({ status: 400, body: { error: 'weak_password' } });
    const bare = await admin('/admin/users', { method: 'POST', json: { email: 'bare@example.com' } });
    expect(bare).toMatchObject({ status: 200, body: { verified_at: null, role: 'user' } });
    expect(await admin('/admin/users', { method: 'POST', json: { email: 'created@example.com' } })).toMatchObject({ status: 409, body: { error: 'conflict' } });
  });

  it('lists by email prefix, tenant and role, a page at a time; gets one; a bad cursor is 400', async () => {
    for (let i = 1; i <= 5; i += 1) await admin('/admin/users', { method: 'POST', json: { email: `page${i}@list.example`, role: i === 3 ? 'auditor' : 'user' } });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await admin(`/admin/users?query=PAGE&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect((page.body.users as Json[]).length).toBeLessThanOrEqual(2);
      seen.push(...(page.body.users as Json[]).map((u) => u.email as string));
      cursor = page.body.next_cursor as string | null;
    } while (cursor);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5].map((i) => `page${i}@list.example`));
    const auditors = await admin('/admin/users?query=page&role=auditor');
    expect((auditors.body.users as Json[]).map((u) => u.email)).toEqual(['page3@list.example']);
    expect((await admin('/admin/users?query=page&tenant=acme')).body.users).toEqual([]);
    expect(await admin('/admin/users?cursor=nonsense')).toMatchObject({ status: 400, body: { error: 'validation_failed' } });
    const one = (auditors.body.users as Json[])[0] as Json;
    expect(await admin(`/admin/users/${one.id}`)).toMatchObject({ status: 200, body: { email: 'page3@list.example' } });
    expect((await admin(`/admin/users/${one.id}?tenant=acme`)).status).toBe(404);
  });

  it('changes role, email and password with their effects: sessions end, the old address is told, the new password works', async () => {
    const { user, tokens } = await signUp(gw, 'changed@example.com');
    const role = await admin(`/admin/users/${user.id}`, { method: 'PATCH', json: { role: 'editor' } });
    expect(role).toMatchObject({ status: 200, body: { role: 'editor' } });
    expect((await gw.call('/refresh', { json: { refresh_token: tokens.refresh_token } })).status).toBe(401);
    expect(await admin(`/admin/users/${user.id}`, { method: 'PATCH', json: { email: 'moved@example.com' } })).toMatchObject({ status: 200, body: { email: 'moved@example.com' } });
    expect((await gw.mail.next('changed@example.com', 'The email address of your account was changed')).link).toContain('action=revert-email');
    expect((await admin(`/admin/users/${user.id}`, { method: 'PATCH', json: { password: 'Brand-New-Pass-7' } })).status).toBe(200);
    await gw.mail.next('moved@example.com', 'Your password was changed');
    expect((await gw.call('/token', { json: { email: 'moved@example.com', password: 'Brand-New-Pass-7' } })).status).toBe(200);
    expect(await admin(`/admin/users/${user.id}`, { method: 'PATCH', json: { email: 'created@example.com' } })).toMatchObject({ status: 409 });
  });

  it('ends every session (logout), answers links instead of mailing them, and deletes a user (its used links stay used)', async () => {
    const { user, tokens } = await signUp(gw, 'ops-target@example.com');
    expect((await admin(`/admin/users/${user.id}/logout`, { method: 'POST' })).status).toBe(200);
    expect((await gw.call('/refresh', { json: { refresh_token: tokens.refresh_token } })).status).toBe(401);
    const mails = gw.mail.mails.length;
    const reset = await admin(`/admin/users/${user.id}/links`, { method: 'POST', json: { action: 'reset-password' } });
    expect(reset).toMatchObject({ status: 200, body: { link: expect.stringContaining('action=reset-password') } });
    const moved = await admin(`/admin/users/${user.id}/links`, { method: 'POST', json: { action: 'change-email', email: 'ops-moved@example.com' } });
    expect(moved.body.link).toContain('action=change-email');
    expect(gw.mail.mails.length).toBe(mails);
    const token = tokenOf(reset.body.link as string);
    expect((await gw.call('/verify-email', { json: { token, password: 'Reset-By-Admin-1' } })).status).toBe(200);
    expect((await admin(`/admin/users/${user.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await admin(`/admin/users/${user.id}`)).status).toBe(404);
    expect((await gw.call('/token', { json: { email: 'ops-target@example.com', password: 'Reset-By-Admin-1' } })).status).toBe(401);
    expect((await gw.call('/verify-email', { json: { token, password: 'Reset-By-Admin-2' } })).status).toBe(401);
    expect((await admin(`/admin/users/${user.id}`, { method: 'DELETE' })).status).toBe(404);
  });
});

describe('the admin listener', () => {
  it('serves the admin API on ADMIN_PORT only, with its own OpenAPI; past ADMIN_RATE_PER_MINUTE a key gets 429', async () => {
    const gw = await startGateway({ ADMIN_PORT: '0', ADMIN_API_KEYS: KEY, ADMIN_RATE_PER_MINUTE: '3' });
    try {
      const base = gw.running.adminUrl as string;
      expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await gw.call('/admin/users')).status).toBe(404);
      const doc = (await (await fetch(`${base}/admin/openapi.json`)).json()) as { paths: Record<string, unknown>; components: { securitySchemes: Json } };
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/admin/users', '/admin/users/{id}', '/admin/users/{id}/logout', '/admin/users/{id}/links']));
      expect(doc.components.securitySchemes).toHaveProperty('adminKey');
      const call = () => fetch(`${base}/admin/users`, { headers: { authorization: `Bearer ${KEY}` } });
      const statuses = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await call()).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
    } finally {
      await gw.close();
    }
  });

  it('answers 501 not_supported where the HTTP service offers no list or delete', async () => {
    const service = await startUsersService({ name: 'Authorization', value: 'Bearer svc' });
    const gw = await testApp({ AUTH_BACKEND: 'http', HTTP_URL: service.url, HTTP_AUTH_HEADER_VALUE: 'Bearer svc', ADMIN_PORT: '0', ADMIN_API_KEYS: KEY });
    try {
      const admin = adminClient(gw);
      expect(await admin('/admin/users')).toMatchObject({ status: 501, body: { error: 'not_supported' } });
      const made = await admin('/admin/users', { method: 'POST', json: { email: 'x@example.com' } });
      expect(await admin(`/admin/users/${made.body.id}`, { method: 'DELETE' })).toMatchObject({ status: 501, body: { error: 'not_supported' } });
    } finally {
      await gw.close();
      await service.close();
    }
  });
});
