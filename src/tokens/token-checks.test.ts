import Database from 'better-sqlite3';
import { SignJWT, UnsecuredJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, testApp, type TestGateway } from '../../test/fixtures.js';

const ACCESS = 'test-access-secret-0123456789abcdef';
const key = new TextEncoder().encode(ACCESS);
let gw: TestGateway;
let session: Awaited<ReturnType<typeof signUp>>;

beforeAll(async () => {
  gw = await testApp();
  session = await signUp(gw, 'tok@example.com');
});
afterAll(() => gw.close());

const user = (token: string) => gw.call('/user', { bearer: token });
const refresh = (token: string) => gw.call('/refresh', { json: { refresh_token: token } });

async function expectInvalid(response: Response) {
  expect(response.status).toBe(401);
  const body = (await response.json()) as { error: string; message: string };
  expect(body.error).toBe('invalid_token');
  expect(JSON.stringify(body)).not.toContain('eyJ');
}

function forge(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'HS256', typ: 'at+jwt' }) {
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key);
}

describe('token contents', () => {
  it('access tokens carry the documented claims and a typ of their own', () => {
    const claims = decodeJwt(session.tokens.access_token);
    expect(decodeProtectedHeader(session.tokens.access_token)).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: expect.stringMatching(/^hs-/) });
    expect(claims).toMatchObject({ sub: String(session.user.id), email: 'tok@example.com', role: 'user', iss: 'http://localhost:9000' });
    expect(typeof claims.sub).toBe('string');
    expect((claims.exp as number) - (claims.iat as number)).toBe(300);
    expect(claims).not.toHaveProperty('tid');
    expect(decodeProtectedHeader(session.tokens.refresh_token).typ).toBe('refresh+jwt');
    const refreshClaims = decodeJwt(session.tokens.refresh_token);
    expect((refreshClaims.exp as number) - (refreshClaims.iat as number)).toBe(720 * 3600);
    expect(refreshClaims).not.toHaveProperty('email');
  });
});

describe('token confusion', () => {
  it('refuses a refresh token as an access token, and an access token as a refresh token', async () => {
    await expectInvalid(await user(session.tokens.refresh_token));
    await expectInvalid(await refresh(session.tokens.access_token));
  });

  it('refuses a verification token where an access or refresh token is expected, and the reverse', async () => {
    await gw.call('/reset-password', { json: { email: 'tok@example.com' } });
    const link = new URL((await gw.mail.next('tok@example.com')).link ?? '');
    const verifyToken = link.searchParams.get('token') ?? '';
    await expectInvalid(await user(verifyToken));
    await expectInvalid(await refresh(verifyToken));
    await expectInvalid(await gw.call('/verify-email', { json: { token: session.tokens.access_token, password: 'Xx-12345678' } }));
    await expectInvalid(await gw.call('/verify-email', { json: { token: session.tokens.refresh_token, password: 'Xx-12345678' } }));
  });
});

describe('forged and broken tokens', () => {
  const base = () => ({
    sub: String(session.user.id),
    email: 'tok@example.com',
    role: 'admin',
    iss: 'http://localhost:9000',
    iat: Math.floor(Date.now() / 1000),
    exp: Math.floor(Date.now() / 1000) + 300,
  });

  it('refuses alg none in any letter case', async () => {
    const unsigned = new UnsecuredJWT(base()).encode();
    await expectInvalid(await user(unsigned));
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      const header = Buffer.from(JSON.stringify({ alg, typ: 'at+jwt' })).toString('base64url');
      const payload = Buffer.from(JSON.stringify(base())).toString('base64url');
      await expectInvalid(await user(`${header}.${payload}.`));
    }
  });

  it('refuses HS384 and HS512 signed with the right secret', async () => {
    for (const alg of ['HS384', 'HS512']) await expectInvalid(await user(await forge(base(), { alg, typ: 'at+jwt' })));
  });

  it('accepts a correctly forged token only with the right secret, typ, issuer and exp', async () => {
    expect((await user(await forge(base()))).status).toBe(200); // control: the forge is otherwise right
    await expectInvalid(await user(await new SignJWT(base()).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(new TextEncoder().encode('wrong-secret-0123456789abcdef'))));
    await expectInvalid(await user(await forge(base(), { alg: 'HS256', typ: 'JWT' })));
    await expectInvalid(await user(await forge(base(), { alg: 'HS256' })));
    await expectInvalid(await user(await forge({ ...base(), iss: 'https://evil.example' })));
    const { exp: _exp, ...noExp } = base();
    await expectInvalid(await user(await forge(noExp)));
    await expectInvalid(await user(await forge({ ...base(), exp: 'soon' })));
    await expectInvalid(await user(await forge({ ...base(), iat: Math.floor(Date.now() / 1000) + 3600 })));
    await expectInvalid(await user(await forge({ ...base(), nbf: Math.floor(Date.now() / 1000) + 3600 })));
  });

  it('refuses expired tokens', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    const response = await user(await forge({ ...base(), iat: past - 300, exp: past }));
    await expectInvalid(response);
  });

  it('refuses tampered payloads and signatures, garbage and huge tokens', async () => {
    const [h, p, s] = session.tokens.access_token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const tampered = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
    await expectInvalid(await user(`${h}.${tampered}.${s}`));
    await expectInvalid(await user(`${h}.${p}.${s.slice(0, -2)}AA`));
    for (const garbage of ['abc', 'a.b.c', '....', `${h}.${p}`, 'x'.repeat(10_000)]) {
      await expectInvalid(await user(garbage));
    }
  });

  it('refuses the token of a deleted user', async () => {
    const gone = await signUp(gw, 'gone@example.com');
    const db = new Database(gw.dbPath);
    db.prepare('DELETE FROM users WHERE email = ?').run('gone@example.com');
    db.close();
    await expectInvalid(await user(gone.tokens.access_token));
    await expectInvalid(await refresh(gone.tokens.refresh_token));
  });

  it('gives a demoted user no fresh admin token on refresh', async () => {
    const db = new Database(gw.dbPath);
    db.prepare("UPDATE users SET role = 'admin' WHERE email = 'tok@example.com'").run();
    db.close();
    // The role is part of the credential fingerprint: a role change revokes refresh tokens.
    await expectInvalid(await refresh(session.tokens.refresh_token));
  });

  it('needs a Bearer Authorization header', async () => {
    for (const header of [undefined, 'Basic abc', 'Bearer', `Token ${session.tokens.access_token}`]) {
      const response = await gw.call('/user', header ? { headers: { authorization: header } } : {});
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: string }).error).toMatch(/unauthorized|invalid_token/);
    }
  });
});
