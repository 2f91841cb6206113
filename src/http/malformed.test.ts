import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { signUp, testApp, STRONG_PASSWORD, type TestGateway } from '../../test/fixtures.js';

let gw: TestGateway;
let userToken: string;
let adminToken: string;
beforeAll(async () => {
  gw = await testApp({ INITIAL_USER_EMAIL: 'root@example.com', INITIAL_USER_PASSWORD: 'Admin-Pass-123!' });
  userToken = (await signUp(gw, 'm@example.com')).tokens.access_token;
  const login = await gw.call('/token', { json: { email: 'root@example.com', password: 'Admin-Pass-123!' } });
  adminToken = ((await login.json()) as { access_token: string }).access_token;
});

/** A token that gets each route past its authorization, so the body is what is tested. */
const access = (path: string) => (path === '/invite' ? adminToken : userToken);
afterAll(() => gw.close());

const POSTS = ['/signup', '/verify-email', '/token', '/refresh', '/change-password', '/change-email', '/invite', '/reset-password'];

async function expectJsonError(response: Response, status: number, error?: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: string; message: string };
  expect(typeof body.message).toBe('string');
  if (error) expect(body.error).toBe(error);
  expect(JSON.stringify(body)).not.toMatch(/at .*\.ts|node_modules|Error:/);
  return body;
}

describe('malformed bodies never give a 5xx', () => {
  it.each(POSTS)('%s: bad JSON is a 400', async (path) => {
    await expectJsonError(await gw.call(path, { method: 'POST', body: '{"email":', headers: { 'content-type': 'application/json' }, bearer: access(path) }), 400, 'invalid_json');
  });

  it.each(POSTS)('%s: a JSON array, string, number or null body is a 400', async (path) => {
    for (const body of ['[]', '"x"', '1', 'null', '[{"email":"a@b.co"}]']) {
      await expectJsonError(await gw.call(path, { method: 'POST', body, headers: { 'content-type': 'application/json' }, bearer: access(path) }), 400, 'validation_failed');
    }
  });

  it.each(POSTS)('%s: arrays, objects, numbers and nulls where strings belong are 400s', async (path) => {
    for (const value of [['a@example.com', 'attacker@evil.example'], { $ne: '' }, 42, null, true]) {
      const body = { email: value, password: value, token: value, refresh_token: value, old_password: value, new_password: value };
      await expectJsonError(await gw.call(path, { json: body, bearer: access(path) }), 400, 'validation_failed');
    }
  });

  it.each(POSTS)('%s: other content types are a 415', async (path) => {
    for (const type of ['text/plain', 'multipart/form-data; boundary=x', 'application/xml']) {
      await expectJsonError(await gw.call(path, { method: 'POST', body: 'email=a@b.co', headers: { 'content-type': type }, bearer: access(path) }), 415, 'unsupported_media_type');
    }
  });

  it.each(POSTS)('%s: bodies over 64 KiB are a 413', async (path) => {
    const big = JSON.stringify({ email: 'a@example.com', pad: 'x'.repeat(70_000) });
    await expectJsonError(await gw.call(path, { method: 'POST', body: big, headers: { 'content-type': 'application/json' }, bearer: access(path) }), 413, 'payload_too_large');
  });

  it('a chunked body (no Content-Length) is counted as it streams: 413 past 64 KiB, read as usual below', async () => {
    const streamed = (text: string) =>
      gw.call('/reset-password', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new ReadableStream({
          start(controller) {
            const bytes = new TextEncoder().encode(text);
            for (let i = 0; i < bytes.length; i += 8192) controller.enqueue(bytes.subarray(i, i + 8192));
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
    await expectJsonError(await streamed(JSON.stringify({ email: 'a@example.com', pad: 'x'.repeat(70_000) })), 413, 'payload_too_large');
    const small = await streamed(JSON.stringify({ email: 'chunked@example.com' }));
    expect(small.status).toBe(200);
    await gw.mail.next('chunked@example.com');
  });

  it('a repeated form field (an array of emails) never sends a reset link anywhere', async () => {
    const before = gw.mail.mails.length;
    const body = 'email=m%40example.com&email=attacker%40evil.example';
    const response = await gw.call('/reset-password', { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    await expectJsonError(response, 400, 'validation_failed');
    const json = await gw.call('/reset-password', { json: { email: ['m@example.com', 'attacker@evil.example'] } });
    await expectJsonError(json, 400, 'validation_failed');
    // A mail goes out before the answer does: none went.
    expect(gw.mail.mails.length).toBe(before);
  });

  it('a CRLF in an email is refused, never a header', async () => {
    await expectJsonError(await gw.call('/signup', { json: { email: 'a@example.com\r\nBcc: x@evil.example' } }), 400, 'validation_failed');
  });

  it('prototype-pollution keys are ignored', async () => {
    const body = '{"email":"proto@example.com","__proto__":{"role":"admin"},"constructor":{"prototype":{"role":"admin"}}}';
    const response = await gw.call('/signup', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(200);
    await gw.mail.next('proto@example.com');
    const form = await gw.call('/signup', { method: 'POST', body: 'email=proto2%40example.com&__proto__=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(200);
    await gw.mail.next('proto2@example.com');
    expect(({} as Record<string, unknown>).role).toBeUndefined();
  });

  it('mass assignment: role, verified_at, tenant_id and id in bodies are ignored (or refused where they would mislead)', async () => {
    // A role, tenant or password sent to /signup is refused, saying where it belongs ...
    for (const [field, value, where] of [
      ['role', 'admin', 'DEFAULT_ROLE'],
      ['tenant_id', 'x', 'tenant header'],
      ['password', STRONG_PASSWORD, 'POST /verify-email'],
    ] as const) {
      const refused = await gw.call('/signup', { json: { email: 'mass@example.com', [field]: value } });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ error: 'validation_failed', issues: [{ path: field, message: expect.stringContaining(where) }] });
    }
    expect(gw.mail.mails.filter((m) => m.to === 'mass@example.com')).toHaveLength(0);
    // ... empty, it counts as absent; other unknown fields are ignored.
    await gw.call('/signup', { json: { email: 'mass@example.com', role: '', password: null, id: 1, verified_at: '2000-01-01' } });
    const token = new URL((await gw.mail.next('mass@example.com')).link ?? '').searchParams.get('token') ?? '';
    const verify = await gw.call('/verify-email', { json: { token, password: STRONG_PASSWORD, role: 'admin', id: 1, tenant_id: 'x' } });
    expect(await verify.json()).toMatchObject({ user: { role: 'user', tenant_id: null } });
    const db = new Database(gw.dbPath, { readonly: true });
    expect(db.prepare("SELECT role FROM users WHERE email = 'root@example.com'").get()).toEqual({ role: 'admin' });
    db.close();
  });

  it('passwords over 72 bytes are refused, not truncated', async () => {
    await gw.call('/signup', { json: { email: 'long@example.com' } });
    const token = new URL((await gw.mail.next('long@example.com')).link ?? '').searchParams.get('token') ?? '';
    const long = `Aa1!${'é'.repeat(35)}`; // 4 + 70 bytes
    const response = await gw.call('/verify-email', { json: { token, password: long } });
    await expectJsonError(response, 400, 'weak_password');
  });
});

describe('the error shape everywhere', () => {
  it('unknown routes are a 404 JSON error', async () => {
    await expectJsonError(await gw.call('/nope'), 404, 'not_found');
    await expectJsonError(await gw.call('/user', { method: 'DELETE' }), 404, 'not_found');
  });

  it('security headers are on every response: answers, errors of every layer, pages', async () => {
    const responses = {
      healthz: await gw.call('/healthz'),
      notFound: await gw.call('/nope'),
      unauthorized: await gw.call('/user'),
      invalid: await gw.call('/token', { json: { email: 'x' } }),
      tooLarge: await gw.call('/signup', { method: 'POST', body: 'x'.repeat(70_000) }),
      badJson: await gw.call('/signup', { method: 'POST', body: '{', headers: { 'content-type': 'application/json' } }),
      form: await gw.call('/form'),
      docs: await gw.call('/docs'),
      openapi: await gw.call('/openapi.json'),
    };
    for (const [name, response] of Object.entries(responses)) {
      expect(response.headers.get('x-content-type-options'), name).toBe('nosniff');
      expect(response.headers.get('x-frame-options'), name).toBe('DENY');
      expect(response.headers.get('referrer-policy'), name).toBe('no-referrer');
      expect(response.headers.get('x-request-id'), name).toBeTruthy();
      expect(response.headers.get('content-security-policy'), name).toMatch(/frame-ancestors 'none'/);
    }
    // A route's own value replaces the default.
    expect(responses.healthz.headers.get('cache-control')).toBe('no-store');
    expect(responses.invalid.headers.get('cache-control')).toBe('no-store');
    expect(responses.openapi.headers.get('cache-control')).toBe('public, max-age=300');
    expect(responses.form.headers.get('content-security-policy')).toMatch(/script-src 'nonce-/);
  });

  it('a plain X-Request-Id from the client is echoed and logged; anything else is replaced by a UUID', async () => {
    const plain = await gw.call('/nope', { headers: { 'x-request-id': 'edge-42_a=b' } });
    expect(plain.headers.get('x-request-id')).toBe('edge-42_a=b');
    expect(gw.logs.some((line) => line.includes('"requestId":"edge-42_a=b"'))).toBe(true);
    for (const sent of ['has space', 'x'.repeat(65), 'a"b', '']) {
      const answer = await gw.call('/nope', { headers: { 'x-request-id': sent } });
      expect(answer.headers.get('x-request-id'), sent).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
    const a = await gw.call('/healthz');
    const b = await gw.call('/healthz');
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
  });

  it('in process (app.request, no Node response to write on) the answers carry the same headers', async () => {
    const app = createApp(gw.deps);
    for (const response of [await app.request('/healthz'), await app.request('/nope'), await app.request('/form'), await app.request('/user')]) {
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('x-request-id')).toBeTruthy();
      expect(response.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    }
    expect((await app.request('/openapi.json')).headers.get('cache-control')).toBe('public, max-age=300');
    expect((await app.request('/user')).headers.get('cache-control')).toBe('no-store');
  });

  it('no password, token or secret reaches the log', async () => {
    const { tokens } = await signUp(gw, 'log@example.com', 'Secret-Log-Pass-9');
    await gw.call('/token', { json: { email: 'log@example.com', password: 'Secret-Log-Pass-9' } });
    await gw.call('/refresh', { json: { refresh_token: tokens.refresh_token } });
    const log = gw.logs.join('\n');
    expect(log).not.toContain('Secret-Log-Pass-9');
    expect(log).not.toContain(tokens.access_token);
    expect(log).not.toContain(tokens.refresh_token);
    expect(log).not.toContain('test-access-secret');
    expect(log).not.toContain('$2');
  });
});
