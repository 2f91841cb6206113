import Database from 'better-sqlite3';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRONG_PASSWORD, signUp, TEST_SECRETS, type TestGateway, testApp, tokenOf, useGateway } from '../fixtures.js';

function codeOf(mail: { text: string }): string {
  const code = /^\s+(\d{6,10})\s*$/m.exec(mail.text)?.[1];
  if (code === undefined) throw new Error(`no code in: ${mail.text}`);
  return code;
}

describe('passwordless sign-in is off by default', () => {
  const gw = useGateway();
  it('its endpoints are not served nor described, and /form offers nothing of it', async () => {
    expect((await gw.call('/passwordless/start', { json: { email: 'a@example.com' } })).status).toBe(404);
    expect((await gw.call('/passwordless/verify', { json: { token: 'x' } })).status).toBe(404);
    const paths = Object.keys(((await (await gw.call('/openapi.json')).json()) as { paths: object }).paths);
    expect(paths.filter((p) => p.startsWith('/passwordless'))).toEqual([]);
    expect(await (await gw.call('/form')).text()).not.toContain('data-endpoint="/passwordless');
  });
});

describe('passwordless sign-in', () => {
  const gw = useGateway({ PASSWORDLESS_ENABLED: 'true', PASSWORDLESS_CODE_LENGTH: '8', PASSWORDLESS_EXPIRATION: '15m' });
  const start = async (email: string) => {
    const response = await gw.call('/passwordless/start', { json: { email } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { challenge: string }).challenge;
  };

  it('mails a code of PASSWORDLESS_CODE_LENGTH digits and a link, valid PASSWORDLESS_EXPIRATION; the challenge holds no user id', async () => {
    await signUp(gw, 'known@example.com');
    const challenge = await start('known@example.com');
    const mail = await gw.mail.next('known@example.com');
    expect(codeOf(mail)).toMatch(/^\d{8}$/);
    expect(mail.subject).toBe("Your sign-in code"); // not the code: mail lists and lock screens show subjects
    expect(mail.text).toContain('for 15 minutes');
    expect(new URL(mail.link as string).searchParams.get('action')).toBe('passwordless');
    expect(decodeProtectedHeader(challenge).typ).toBe('passwordless-challenge+jwt');
    const claims = decodeJwt(challenge);
    expect(Object.keys(claims).sort()).toEqual(['ch', 'email', 'exp', 'iat', 'iss', 'jti']);
    expect(JSON.stringify(claims)).not.toContain(codeOf(mail));
    // The link and the code share one id.
    expect(decodeJwt(tokenOf(mail.link)).jti).toBe(claims.jti);
  });

  it('an existing user signs in with the code and keeps their password; spaces in the typed code are fine', async () => {
    await signUp(gw, 'keeps@example.com');
    const challenge = await start('keeps@example.com');
    const code = codeOf(await gw.mail.next('keeps@example.com'));
    const response = await gw.call('/passwordless/verify', { json: { challenge, code: `${code.slice(0, 4)} ${code.slice(4)}` } });
    expect(response.status).toBe(200);
    expect(decodeJwt(((await response.json()) as { access_token: string }).access_token)).toMatchObject({ email: 'keeps@example.com', amr: ['email'] });
    expect((await gw.call('/token', { json: { email: 'keeps@example.com', password: STRONG_PASSWORD } })).status).toBe(200);
  });

  it("an unverified row someone planted becomes verified, with a password nobody knows: the planter's password stops working", async () => {
    new Database(gw.dbPath)
      .prepare("INSERT INTO users (email, role, password, verified_at) VALUES ('planted@example.com', 'user', ?, NULL)")
      .run(await gw.deps.hasher.hash('Planted-Pass-1'));
    const challenge = await start('planted@example.com');
    const code = codeOf(await gw.mail.next('planted@example.com'));
    expect((await gw.call('/passwordless/verify', { json: { challenge, code } })).status).toBe(200);
    expect((await gw.mail.next('planted@example.com')).text).toContain('you signed in with a code or link mailed to you');
    const planted = await gw.call('/token', { json: { email: 'planted@example.com', password: 'Planted-Pass-1' } });
    expect(planted.status).toBe(401);
  });

  it('refuses a body that is neither a code with its challenge nor a link token', async () => {
    for (const json of [{}, { code: '12345678' }, { challenge: 'x' }, { token: 'x', code: '12345678' }, { challenge: 'x', code: 'abc' }]) {
      const response = await gw.call('/passwordless/verify', { json });
      expect(response.status, JSON.stringify(json)).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'validation_failed' });
    }
  });

  it('counts sign-ins and failures as logins, and audits them', async () => {
    const challenge = await start('counted@example.com');
    const code = codeOf(await gw.mail.next('counted@example.com'));
    const wrong = String((Number(code) + 1) % 1e8).padStart(8, '0');
    expect((await gw.call('/passwordless/verify', { json: { challenge, code: wrong } })).status).toBe(401);
    expect((await gw.call('/passwordless/verify', { json: { challenge, code } })).status).toBe(200);
    const metrics = await (await gw.call('/metrics')).text();
    expect(metrics).toMatch(/authura_logins_total\{result="failed"\} [1-9]/);
    expect(metrics).toMatch(/authura_mail_sent_total\{flow="passwordless"\}|operation="passwordless"/);
    await gw.logged('"event":"passwordless_requested"');
    await gw.logged('"detail":"passwordless_code"');
    expect(gw.logs.join('\n')).not.toContain(code);
  });
});

describe('passwordless sign-in with signup disabled', () => {
  const gw = useGateway({ PASSWORDLESS_ENABLED: 'true', SIGNUP_DISABLED: 'true', INITIAL_USER_EMAIL: 'member@example.com', INITIAL_USER_PASSWORD: STRONG_PASSWORD });

  it('an unknown address gets the same answer, a challenge of the same length, and a mail saying there is no account — nobody signs in', async () => {
    const ask = async (email: string) => {
      const response = await gw.call('/passwordless/start', { json: { email } });
      expect(response.status).toBe(200);
      return ((await response.json()) as { challenge: string }).challenge;
    };
    const known = await ask('member@example.com');
    const unknown = await ask('nobody@example.com'); // an address of the same length
    expect(unknown.length).toBe(known.length);
    const mail = await gw.mail.next('nobody@example.com');
    expect(mail.text).toContain('there is no account with this address');
    expect(mail.link).toBeUndefined();
    expect(mail.text).not.toMatch(/^\s+\d{6}\s*$/m);
    // Every code is a wrong one, with the same answer as a wrong code for a real account.
    for (const code of ['000000', '123456']) {
      const response = await gw.call('/passwordless/verify', { json: { challenge: unknown, code } });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'invalid_code' });
    }
    const memberCode = codeOf(await gw.mail.next('member@example.com'));
    expect((await gw.call('/passwordless/verify', { json: { challenge: known, code: memberCode } })).status).toBe(200);
  });
});

describe('passwordless challenges across a rotation of JWT_VERIFY_SECRET', () => {
  let before: TestGateway;
  let after: TestGateway;
  beforeAll(async () => {
    before = await testApp({ PASSWORDLESS_ENABLED: 'true' });
    after = await testApp({
      PASSWORDLESS_ENABLED: 'true',
      JWT_VERIFY_SECRET: 'rotated-verify-secret-0123456789abcdef',
      JWT_VERIFY_SECRET_PREVIOUS: TEST_SECRETS.JWT_VERIFY_SECRET,
    });
  });
  afterAll(async () => {
    await before?.close();
    await after?.close();
  });

  it("a code mailed before the rotation still signs in after it (its key derives from the secret that signed it); a retired secret's no longer does", async () => {
    const response = await before.call('/passwordless/start', { json: { email: 'rotate@example.com' } });
    const { challenge } = (await response.json()) as { challenge: string };
    const code = codeOf(await before.mail.next('rotate@example.com'));
    const verified = await after.call('/passwordless/verify', { json: { challenge, code } });
    expect(verified.status).toBe(200);
    const retired = await testApp({ PASSWORDLESS_ENABLED: 'true', JWT_VERIFY_SECRET: 'another-verify-secret-0123456789abcdef' });
    try {
      expect((await retired.call('/passwordless/verify', { json: { challenge, code } })).status).toBe(401);
    } finally {
      await retired.close();
    }
  });
});

describe('passwordless mails count against the mail limits', () => {
  const gw = useGateway({ PASSWORDLESS_ENABLED: 'true', MAIL_PER_ADDRESS_PER_CLIENT_PER_HOUR: '2' });
  it('past MAIL_PER_ADDRESS_PER_CLIENT_PER_HOUR, start is 429 and mails nothing', async () => {
    for (let i = 0; i < 2; i += 1) expect((await gw.call('/passwordless/start', { json: { email: 'limited@example.com' } })).status).toBe(200);
    const refused = await gw.call('/passwordless/start', { json: { email: 'limited@example.com' } });
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: 'rate_limited' });
    expect(gw.mail.mails.filter((m) => m.to === 'limited@example.com')).toHaveLength(2);
  });
});
