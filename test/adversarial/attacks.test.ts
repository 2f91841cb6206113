import { createHmac } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, testApp, STRONG_PASSWORD, tokenOf, type TestGateway } from '../fixtures.js';
import { parseMetrics } from '../helpers/metrics.js';
import { json, startFakeServer } from '../fakes.js';

let gw: TestGateway;
let trap: Awaited<ReturnType<typeof startFakeServer>>;
let victim: Awaited<ReturnType<typeof signUp>>;
const ACCESS_SECRET = new TextEncoder().encode('test-access-secret-0123456789abcdef');

beforeAll(async () => {
  // Any request here means the gateway followed a URL an attacker put in a token.
  trap = await startFakeServer({ 'GET /jwks.json': (_call, res) => json(res, 200, { keys: [] }), 'GET /cert.pem': (_call, res) => json(res, 200, {}) });
  gw = await testApp();
  victim = await signUp(gw, 'victim@example.com');
});
afterAll(async () => {
  await gw.close();
  await trap.close();
});

const claims = () => ({
  sub: String(victim.user.id),
  email: 'victim@example.com',
  role: 'admin',
  iss: 'http://localhost:9000',
  iat: Math.floor(Date.now() / 1000),
  exp: Math.floor(Date.now() / 1000) + 300,
});

async function refused(token: string) {
  const response = await gw.call('/user', { bearer: token });
  expect(response.status).toBe(401);
  expect(await response.json()).toMatchObject({ error: 'invalid_token' });
}

describe('token forgery through headers', () => {
  it('asymmetric algorithms (RS, ES, PS, EdDSA) are refused, whatever key the token names', async () => {
    for (const alg of ['RS256', 'ES256', 'PS256', 'EdDSA'] as const) {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const jwk = await exportJWK(publicKey);
      const token = await new SignJWT(claims()).setProtectedHeader({ alg, typ: 'at+jwt', jwk, jku: `${trap.url}/jwks.json`, kid: 'attacker' }).sign(privateKey);
      await refused(token);
    }
  });

  it('jku, x5u, jwk and kid in an HS256 token change nothing and no URL is ever fetched', async () => {
    for (const header of [
      { jku: `${trap.url}/jwks.json` },
      { x5u: `${trap.url}/cert.pem` },
      { kid: '../../../../dev/null' },
      { kid: "' OR '1'='1" },
      { jwk: { kty: 'oct', k: Buffer.from('attacker').toString('base64url') } },
    ]) {
      // Signed with an attacker's secret: must fail.
      const forged = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', ...header }).sign(new TextEncoder().encode('attacker'));
      await refused(forged);
    }
    // Signed with the real secret, the extra headers are simply ignored (the key is ours, not theirs).
    const genuine = await new SignJWT({ ...claims(), role: 'user' }).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', jku: `${trap.url}/jwks.json` }).sign(ACCESS_SECRET);
    expect((await gw.call('/user', { bearer: genuine })).status).toBe(200);
    expect(trap.calls).toHaveLength(0);
  });

  it('a `crit` header the gateway does not understand is refused', async () => {
    // jose will not sign such a header, so it is put together by hand, signed with the real key.
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const input = `${part({ alg: 'HS256', typ: 'at+jwt', crit: ['x-unknown'], 'x-unknown': 1 })}.${part({ ...claims(), role: 'user' })}`;
    const signature = createHmac('sha256', ACCESS_SECRET).update(input).digest('base64url');
    await refused(`${input}.${signature}`);
  });
});

describe('mailed links are bound to their user and action', () => {
  it('a reset link of one user cannot reset another, nor survive that user\'s email change', async () => {
    const other = await signUp(gw, 'other@example.com');
    await gw.call('/reset-password', { json: { email: 'other@example.com' } });
    const otherReset = tokenOf((await gw.mail.next('other@example.com')).link);
    // The link names `other`; whatever is posted with it, only `other` changes.
    const used = await gw.call('/verify-email', { json: { token: otherReset, password: 'Taken-Over-1!', email: 'victim@example.com' } });
    expect(await used.json()).toMatchObject({ user: { email: 'other@example.com' } });
    expect((await gw.call('/token', { json: { email: 'victim@example.com', password: STRONG_PASSWORD } })).status).toBe(200);

    await gw.call('/reset-password', { json: { email: 'other@example.com' } });
    const stale = tokenOf((await gw.mail.next('other@example.com', 'Reset your password')).link);
    await gw.call('/change-email', { json: { email: 'other2@example.com' }, bearer: other.tokens.access_token });
    const confirm = tokenOf((await gw.mail.next('other2@example.com')).link);
    expect((await gw.call('/verify-email', { json: { token: confirm } })).status).toBe(200);
    expect((await gw.call('/verify-email', { json: { token: stale, password: 'Late-Reset-1!' } })).status).toBe(401);
  });
});

describe('injection into mails', () => {
  it('markup in an allowed redirect_url reaches the mail only escaped and URL-encoded', async () => {
    const redirect = 'http://localhost:9000/form?next="><script>alert(1)</script><a href="javascript:x';
    expect((await gw.call('/signup', { json: { email: 'markup@example.com', redirect_url: redirect } })).status).toBe(200);
    const mail = await gw.mail.next('markup@example.com');
    expect(mail.html).not.toMatch(/<script|javascript:x"|"><a/i);
    expect(mail.subject).toBe('Confirm your email address');
    const link = new URL(mail.link ?? '');
    expect(link.searchParams.get('next')).toBe('"><script>alert(1)</script><a href="javascript:x');
    expect(link.searchParams.get('action')).toBe('verify-email');
  });
});

describe('enumeration by timing', () => {
  it('a wrong password and an unknown email cost the same work: one bcrypt comparison, no hash, no token', async () => {
    // Equal work counted, not timed: a timing comparison fails on a busy machine.
    const work = async () => {
      const samples = parseMetrics(await (await gw.call('/metrics')).text());
      const value = (name: string, labels: Record<string, string> = {}) =>
        samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);
      return {
        compares: value('authura_password_jobs_total', { op: 'compare' }),
        hashes: value('authura_password_jobs_total', { op: 'hash' }),
        tokens: value('authura_tokens_issued_total'),
      };
    };
    const attempt = async (email: string) => {
      const before = await work();
      const response = await gw.call('/token', { json: { email, password: 'Wrong-Pass-1!' } });
      const answer = { status: response.status, body: await response.text() };
      const after = await work();
      return { answer, compares: after.compares - before.compares, hashes: after.hashes - before.hashes, tokens: after.tokens - before.tokens };
    };
    const known = await attempt('victim@example.com');
    const unknown = await attempt('nobody-at-all@example.com');
    expect(known).toEqual({ answer: { status: 401, body: expect.stringContaining('invalid_credentials') }, compares: 1, hashes: 0, tokens: 0 });
    expect(unknown).toEqual(known);
  });
});

describe('bodies built to break parsers', () => {
  it('deeply nested JSON is a clean 400, not a stack overflow', async () => {
    for (const [open, depth] of [['[', 20_000], ['{"a":', 10_000]] as const) {
      const close = open === '[' ? ']' : '}';
      const text = `${open.repeat(depth)}1${close.repeat(depth)}`;
      const response = await gw.call('/signup', { method: 'POST', body: text, headers: { 'content-type': 'application/json' } });
      expect(response.status).toBe(400);
    }
  });

  it('duplicate JSON keys resolve to one value used everywhere (the last), never two', async () => {
    const body = '{"email":"victim@example.com","email":"attacker@evil.example"}';
    const response = await gw.call('/reset-password', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(200);
    const mail = await gw.mail.next('attacker@evil.example');
    expect(mail.subject).toBe('Password reset requested'); // a notice: no account, no link
    expect(gw.mail.mails.filter((m) => m.to === 'victim@example.com')).toHaveLength(0);
  });

  it('Unicode look-alikes, NUL bytes and overlong values are refused as emails', async () => {
    for (const email of ['ｖｉｃｔｉｍ@example.com', 'victim@exаmple.com', 'victim\u0000@example.com', `${'a'.repeat(250)}@example.com`, 'victim@example.com\n']) {
      const response = await gw.call('/reset-password', { json: { email } });
      if (email.endsWith('\n')) {
        // Trimmed to the real address, so nothing reaches a header.
        expect(response.status).toBe(200);
        await gw.mail.next('victim@example.com');
      } else expect(response.status, JSON.stringify(email)).toBe(400);
    }
  });

  it('a NUL or a 70 KB password is refused cleanly', async () => {
    await signUp(gw, 'nul@example.com');
    expect((await gw.call('/token', { json: { email: 'nul@example.com', password: `${STRONG_PASSWORD}\u0000` } })).status).toBe(401);
    const huge = await gw.call('/token', { json: { email: 'nul@example.com', password: 'x'.repeat(70_000) } });
    expect(huge.status).toBe(413);
  });
});
