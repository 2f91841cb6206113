import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tokenOf } from '../fixtures.js';
import { backendStores, useGatewayOn } from '../helpers/backend-stores.js';

const ACME = { 'X-Tenant-ID': 'acme' };
const GLOBEX = { 'X-Tenant-ID': 'globex' };
const MAX_ATTEMPTS = 10;
const MAX_FAILURES = 15;
const stores = backendStores();

/** The digits a passwordless mail carries, and its link. */
function codeOf(mail: { text: string; link: string | undefined }): { code: string; link: string } {
  const code = /^\s+(\d{6,10})\s*$/m.exec(mail.text)?.[1];
  if (code === undefined || mail.link === undefined) throw new Error(`no code or link in: ${mail.text}`);
  return { code, link: mail.link };
}

/** Another code than `code`, of the same length. */
const wrong = (code: string, n = 1) => String((Number(code) + n) % 10 ** code.length).padStart(code.length, '0');

describe.each(Object.keys(stores))('passwordless sign-in on the %s backend', (name) => {
  const gw = useGatewayOn(name, {
    MULTI_TENANT_ENABLED: 'true',
    PASSWORDLESS_ENABLED: 'true',
    PASSWORDLESS_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    PASSWORDLESS_MAX_FAILURES: String(MAX_FAILURES),
  });
  afterEach(() => vi.useRealTimers());

  async function start(email: string, headers: Record<string, string> = ACME) {
    const response = await gw.call('/passwordless/start', { json: { email }, headers });
    expect(response.status).toBe(200);
    const { challenge } = (await response.json()) as { challenge: string };
    return { challenge, ...codeOf(await gw.mail.next(email)) };
  }
  const verify = (json: Record<string, string>, headers: Record<string, string> = ACME) => gw.call('/passwordless/verify', { json, headers });

  it('the code signs in on the device that asked: a new account, verified, amr email; the link is spent with it', async () => {
    const { challenge, code, link } = await start('code@example.com');
    expect(new URL(link).searchParams.get('action')).toBe('passwordless');
    expect(new URL(link).searchParams.get('tenant')).toBe('acme');
    const response = await verify({ challenge, code });
    expect(response.status).toBe(200);
    const tokens = (await response.json()) as { access_token: string; refresh_token: string };
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({ email: 'code@example.com', tid: 'acme', amr: ['email'] });
    expect(typeof claims.auth_time).toBe('number');
    expect(claims.verified_at).toEqual(expect.any(String));
    const user = await gw.call('/user', { bearer: tokens.access_token, headers: ACME });
    expect(user.status).toBe(200);
    // Spending the code spent the link.
    expect((await verify({ token: tokenOf(link) }, {})).status).toBe(401);
  });

  it("a scanner's GET and HEAD of the link spend nothing; the link then signs in on another device, and the code is spent with it", async () => {
    const { challenge, code, link } = await start('scanned@example.com');
    const path = `${new URL(link).pathname}${new URL(link).search}`;
    for (const method of ['GET', 'HEAD']) {
      expect((await gw.call(path, { method })).status).toBe(200); // /form: the page, with a button
      expect((await gw.call(`/passwordless/verify${new URL(link).search}`, { method })).status).toBe(404);
    }
    // Another device: no tenant header, the link names its tenant.
    const response = await verify({ token: tokenOf(link) }, {});
    expect(response.status).toBe(200);
    expect(decodeJwt(((await response.json()) as { access_token: string }).access_token)).toMatchObject({ tid: 'acme', amr: ['email'] });
    const again = await verify({ challenge, code });
    expect(again.status).toBe(401);
    expect(await again.json()).toMatchObject({ error: 'invalid_code' });
  });

  it(`${MAX_ATTEMPTS} wrong codes kill the challenge (the right one is then refused too); its link still works`, async () => {
    const { challenge, code, link } = await start('guesser@example.com');
    for (let i = 1; i <= MAX_ATTEMPTS; i += 1) {
      const response = await verify({ challenge, code: wrong(code, i) });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'invalid_code' });
    }
    const right = await verify({ challenge, code });
    expect(right.status).toBe(401);
    expect(await right.json()).toMatchObject({ error: 'invalid_code', message: expect.stringContaining('Too many wrong codes') });
    expect((await verify({ token: tokenOf(link) })).status).toBe(200);
  });

  it(`past ${MAX_FAILURES} wrong codes a day an address's codes are refused (429), a right one too; its links still work`, async () => {
    const first = await start('ceiling@example.com');
    for (let i = 1; i <= MAX_ATTEMPTS; i += 1) expect((await verify({ challenge: first.challenge, code: wrong(first.code, i) })).status).toBe(401);
    const second = await start('ceiling@example.com');
    for (let i = 1; i <= MAX_FAILURES - MAX_ATTEMPTS; i += 1) expect((await verify({ challenge: second.challenge, code: wrong(second.code, i) })).status).toBe(401);
    const refused = await verify({ challenge: second.challenge, code: second.code });
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: 'rate_limited' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another address is not affected.
    const other = await start('not-ceiling@example.com');
    expect((await verify({ challenge: other.challenge, code: other.code })).status).toBe(200);
    expect((await verify({ token: tokenOf(second.link) })).status).toBe(200);
  });

  it('a used code or link is refused', async () => {
    const { challenge, code, link } = await start('reuse@example.com');
    expect((await verify({ challenge, code })).status).toBe(200);
    const again = await verify({ challenge, code });
    expect(again.status).toBe(401);
    expect(await again.json()).toMatchObject({ error: 'invalid_code' });
    const byLink = await verify({ token: tokenOf(link) });
    expect(byLink.status).toBe(401);
    expect(await byLink.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('10 verifies of one code at once: exactly one signs in', async () => {
    const { challenge, code } = await start('race@example.com');
    const answers = await Promise.all(Array.from({ length: 10 }, () => verify({ challenge, code })));
    expect(answers.map((r) => r.status).sort()).toEqual([200, ...Array(9).fill(401)]);
  });

  it('an expired code or link is refused', async () => {
    const { challenge, code, link } = await start('late@example.com');
    vi.useFakeTimers({ now: Date.now() + 11 * 60_000, toFake: ['Date'] });
    const byCode = await verify({ challenge, code });
    expect(byCode.status).toBe(401);
    expect(await byCode.json()).toMatchObject({ error: 'invalid_code' });
    const byLink = await verify({ token: tokenOf(link) });
    expect(byLink.status).toBe(401);
    expect(await byLink.json()).toMatchObject({ error: 'invalid_token', message: 'The token has expired' });
  });

  it("another tenant's challenge or link is refused", async () => {
    const { challenge, code, link } = await start('tenant@example.com');
    const byCode = await verify({ challenge, code }, GLOBEX);
    expect(byCode.status).toBe(401);
    expect(await byCode.json()).toMatchObject({ error: 'invalid_code' });
    expect((await verify({ token: tokenOf(link) }, GLOBEX)).status).toBe(401);
    // Still good in its own tenant.
    expect((await verify({ challenge, code })).status).toBe(200);
  });

  it('a forged challenge is refused: another address in a signed one, a link token in its place, another secret', async () => {
    const { challenge, code, link } = await start('forged@example.com');
    const [header, payload, signature] = challenge.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const otherAddress = Buffer.from(JSON.stringify({ ...claims, email: 'victim@example.com' })).toString('base64url');
    for (const forged of [`${header}.${otherAddress}.${signature}`, tokenOf(link), `${header}.${payload}.${signature.slice(0, -4)}AAAA`]) {
      const response = await verify({ challenge: forged, code });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'invalid_code' });
    }
    expect((await verify({ challenge, code })).status).toBe(200);
  });
});
