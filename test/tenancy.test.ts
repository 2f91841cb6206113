import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, startGateway, STRONG_PASSWORD, testApp, type TestGateway } from './fixtures.js';
import { freePort } from './helpers/ports.js';

let gw: TestGateway;
let self: string;
beforeAll(async () => {
  const port = await freePort();
  self = `127.0.0.1:${port}`;
  // The gateway's own address is a host too: requests without a tenant header get it as tenant.
  gw = await startGateway({ PORT: String(port), MULTI_TENANT_ENABLED: 'true', ALLOWED_HOSTS: `acme.test,globex.test,${self}` });
});
afterAll(() => gw.close());

const acme = { 'X-Tenant-ID': 'acme' };
const globex = { 'X-Tenant-ID': 'globex' };

describe('multi-tenancy', () => {
  it('the same email in two tenants is two users with their own passwords', async () => {
    const a = await signUp(gw, 'same@example.com', STRONG_PASSWORD, acme);
    const b = await signUp(gw, 'same@example.com', 'Globex-Pass-22', globex);
    expect(a.user.id).not.toBe(b.user.id);
    expect(a.user.tenant_id).toBe('acme');
    expect(b.user.tenant_id).toBe('globex');
    expect((await gw.call('/token', { json: { email: 'same@example.com', password: STRONG_PASSWORD }, headers: acme })).status).toBe(200);
    expect((await gw.call('/token', { json: { email: 'same@example.com', password: STRONG_PASSWORD }, headers: globex })).status).toBe(401);
  });

  it('a token of one tenant is refused on every other', async () => {
    const { tokens } = await signUp(gw, 'iso@example.com', STRONG_PASSWORD, acme);
    const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1] ?? '', 'base64url').toString()) as { tid: string };
    expect(claims.tid).toBe('acme');
    expect((await gw.call('/user', { bearer: tokens.access_token, headers: acme })).status).toBe(200);
    const other = await gw.call('/user', { bearer: tokens.access_token, headers: globex });
    expect(other.status).toBe(401);
    expect((await gw.call('/refresh', { json: { refresh_token: tokens.refresh_token }, headers: globex })).status).toBe(401);
    expect((await gw.call('/refresh', { json: { refresh_token: tokens.refresh_token }, headers: acme })).status).toBe(200);
  });

  it('a mailed link of one tenant is refused on another', async () => {
    await gw.call('/signup', { json: { email: 'link@example.com' }, headers: acme });
    const token = new URL((await gw.mail.next('link@example.com')).link ?? '').searchParams.get('token') ?? '';
    const response = await gw.call('/verify-email', { json: { token, password: STRONG_PASSWORD }, headers: globex });
    expect(response.status).toBe(401);
  });

  it('takes the tenant from an allowed Host when there is no tenant header', async () => {
    // fetch cannot set Host: use node:http, which can.
    const post = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const url = new URL(`${gw.url}/signup`);
        const req = request(
          { host: url.hostname, port: url.port, path: '/signup', method: 'POST', headers: { host, 'content-type': 'application/json' } },
          (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => (body += chunk.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ email: 'host@example.com' }));
      });
    expect((await post('ACME.test')).status).toBe(200);
    const token = new URL((await gw.mail.next('host@example.com')).link ?? '').searchParams.get('token') ?? '';
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { tid: string };
    expect(claims.tid).toBe('acme.test');
    const other = await post('evil.test');
    expect(other.status).toBe(400);
    expect(JSON.parse(other.body)).toMatchObject({ error: 'invalid_host' });
  });

  it('a request with no tenant header on the gateway\'s own host belongs to that host\'s tenant', async () => {
    const { user } = await signUp(gw, 'self@example.com');
    expect(user.tenant_id).toBe(self);
  });

  it('refuses a malformed tenant header with a 400', async () => {
    const bad = await gw.call('/token', { json: { email: 'same@example.com', password: STRONG_PASSWORD }, headers: { 'X-Tenant-ID': '../etc' } });
    expect(bad.status).toBe(400);
  });

  it('keeps health checks and the form free of tenancy', async () => {
    expect((await gw.call('/healthz')).status).toBe(200);
    expect((await gw.call('/readyz')).status).toBe(200);
    const form = await gw.call('/form');
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('id="tenant"');
  });
});

describe('mailed links in multi-tenancy', () => {
  it('carry their tenant: the link names it, and /verify-email without a tenant header takes the one its token was signed for', async () => {
    const app = await testApp({ MULTI_TENANT_ENABLED: 'true' });
    try {
      expect((await app.call('/signup', { json: { email: 'linked@example.com' }, headers: acme })).status).toBe(200);
      const link = new URL((await app.mail.next('linked@example.com')).link ?? '');
      expect(link.searchParams.get('tenant')).toBe('acme');
      const token = link.searchParams.get('token') ?? '';
      // A header naming another tenant is refused; no header at all follows the token.
      expect((await app.call('/verify-email', { json: { token, password: STRONG_PASSWORD }, headers: globex })).status).toBe(401);
      const verified = await app.call('/verify-email', { json: { token, password: STRONG_PASSWORD } });
      expect(verified.status).toBe(200);
      expect(await verified.json()).toMatchObject({ user: { email: 'linked@example.com', tenant_id: 'acme' } });
      // Everything else still needs its tenant named.
      expect(await (await app.call('/token', { json: { email: 'linked@example.com', password: STRONG_PASSWORD } })).json()).toMatchObject({ error: 'tenant_required' });
    } finally {
      await app.close();
    }
  });
});
