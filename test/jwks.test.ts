import { generateKeyPairSync } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, startGateway, STRONG_PASSWORD, type TestGateway } from './fixtures.js';

const pem = (type: 'ed25519' | 'rsa') =>
  (type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519')).privateKey
    .export({ type: 'pkcs8', format: 'pem' })
    .toString();

describe('EdDSA access tokens and the JWKS', () => {
  let gw: TestGateway;
  let session: Awaited<ReturnType<typeof signUp>>;
  beforeAll(async () => {
    gw = await startGateway({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEYS: pem('ed25519'), JWT_AUDIENCE: 'https://api.example.com' });
    session = await signUp(gw, 'ed@example.com');
  });
  afterAll(() => gw.close());

  it('publishes the public key, cacheable, with no private part', async () => {
    const response = await gw.call('/.well-known/jwks.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid: expect.any(String) });
    expect(keys[0]).not.toHaveProperty('d');
    expect(decodeProtectedHeader(session.tokens.access_token)).toMatchObject({ alg: 'EdDSA', kid: keys[0]?.kid, typ: 'at+jwt' });
  });

  it('tokens verify with jose\'s remote JWKS, with issuer and audience, and work on the gateway', async () => {
    const jwks = createRemoteJWKSet(new URL(`${gw.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(session.tokens.access_token, jwks, {
      issuer: 'http://localhost:9000',
      audience: 'https://api.example.com',
      algorithms: ['EdDSA'],
    });
    expect(payload).toMatchObject({ sub: String(session.user.id), email: 'ed@example.com' });
    expect((await gw.call('/user', { bearer: session.tokens.access_token })).status).toBe(200);
    // Refresh and mailed tokens stay HMAC (they never leave the gateway's hands).
    expect(decodeProtectedHeader(session.tokens.refresh_token).alg).toBe('HS256');
  });

  it('refuses HS256 tokens (the public key as an HMAC secret) and tokens of foreign EdDSA keys', async () => {
    const { keys } = (await (await gw.call('/.well-known/jwks.json')).json()) as { keys: Array<{ x: string; kid: string }> };
    const claims = { sub: String(session.user.id), email: 'ed@example.com', role: 'admin', iss: 'http://localhost:9000', aud: 'https://api.example.com' };
    const confused = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: keys[0]?.kid })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(Buffer.from(keys[0]?.x ?? '', 'base64url'));
    expect((await gw.call('/user', { bearer: confused })).status).toBe(401);
    const foreign = await generateKeyPair('EdDSA');
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: keys[0]?.kid }).setIssuedAt().setExpirationTime('5m').sign(foreign.privateKey);
    expect((await gw.call('/user', { bearer: forged })).status).toBe(401);
  });
});

describe('rotation', () => {
  it('RS256: the first key signs, every listed key verifies and is published, a removed key is refused', async () => {
    const old = await generateKeyPair('RS256', { extractable: true });
    const oldJwk = { ...(await exportJWK(old.privateKey)), kid: 'rsa-2025' };
    const current = pem('rsa');
    const both = await startGateway({ JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEYS: JSON.stringify([current, oldJwk]) });
    try {
      const { keys } = (await (await both.call('/.well-known/jwks.json')).json()) as { keys: Array<{ kid: string }> };
      expect(keys.map((k) => k.kid)).toContain('rsa-2025');
      expect(keys).toHaveLength(2);
      const { user, tokens } = await signUp(both, 'rot@example.com');
      expect(decodeProtectedHeader(tokens.access_token).kid).not.toBe('rsa-2025');
      const signedByOld = await new SignJWT({ email: 'rot@example.com', role: 'user', verified_at: null })
        .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'rsa-2025' })
        .setSubject(String(user.id))
        .setIssuer('http://localhost:9000')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(old.privateKey);
      expect((await both.call('/user', { bearer: signedByOld })).status).toBe(200);

      const retired = await startGateway({ JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEYS: current, SQLITE_DB_PATH: both.dbPath }, { smtp: both.smtp });
      try {
        expect((await retired.call('/user', { bearer: signedByOld })).status).toBe(401);
        expect((await retired.call('/user', { bearer: tokens.access_token })).status).toBe(200);
      } finally {
        await retired.close();
      }
    } finally {
      await both.close();
    }
  });

  it('HMAC: a new secret signs while the previous one still verifies, until it is dropped', async () => {
    const s1 = { JWT_SECRET: 'first-access-secret-0123456789abcdef', JWT_REFRESH_SECRET: 'first-refresh-secret-0123456789abcdef' };
    const a = await startGateway(s1);
    const { tokens } = await signUp(a, 'hmac@example.com');
    const s2 = { JWT_SECRET: 'second-access-secret-0123456789abcdef', JWT_REFRESH_SECRET: 'second-refresh-secret-0123456789abcdef' };
    const b = await startGateway({ ...s2, JWT_SECRET_PREVIOUS: s1.JWT_SECRET, JWT_REFRESH_SECRET_PREVIOUS: s1.JWT_REFRESH_SECRET, SQLITE_DB_PATH: a.dbPath }, { smtp: a.smtp });
    const c = await startGateway({ ...s2, SQLITE_DB_PATH: a.dbPath }, { smtp: a.smtp });
    try {
      expect((await b.call('/user', { bearer: tokens.access_token })).status).toBe(200);
      const refreshed = await b.call('/refresh', { json: { refresh_token: tokens.refresh_token } });
      expect(refreshed.status).toBe(200);
      const fresh = (await refreshed.json()) as { access_token: string; refresh_token: string };
      expect(decodeProtectedHeader(fresh.access_token).kid).not.toBe(decodeProtectedHeader(tokens.access_token).kid);
      // Once the old secret is gone, its tokens are refused; the new ones work.
      expect((await c.call('/user', { bearer: tokens.access_token })).status).toBe(401);
      expect((await c.call('/refresh', { json: { refresh_token: tokens.refresh_token } })).status).toBe(401);
      expect((await c.call('/user', { bearer: fresh.access_token })).status).toBe(200);
      expect((await c.call('/refresh', { json: { refresh_token: fresh.refresh_token } })).status).toBe(200);
      expect((await c.call('/token', { json: { email: 'hmac@example.com', password: STRONG_PASSWORD } })).status).toBe(200);
    } finally {
      await c.close();
      await b.close();
      await a.close();
    }
  });
});

describe('audience per tenant', () => {
  it('puts the tenant into aud and refuses another tenant\'s audience', async () => {
    const gw = await startGateway({ MULTI_TENANT_ENABLED: 'true', JWT_AUDIENCE: 'https://{tenant}.api.example.com' });
    try {
      const { tokens } = await signUp(gw, 'aud@example.com', STRONG_PASSWORD, { 'X-Tenant-ID': 'acme' });
      const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1] ?? '', 'base64url').toString()) as { aud: string };
      expect(claims.aud).toBe('https://acme.api.example.com');
      expect((await gw.call('/user', { bearer: tokens.access_token, headers: { 'X-Tenant-ID': 'acme' } })).status).toBe(200);
      expect((await gw.call('/user', { bearer: tokens.access_token, headers: { 'X-Tenant-ID': 'globex' } })).status).toBe(401);
      // Same tenant, right key, another audience: refused; the control with the right one passes.
      const key = new TextEncoder().encode('test-access-secret-0123456789abcdef');
      const forge = (aud: string) =>
        new SignJWT({ ...JSON.parse(Buffer.from(tokens.access_token.split('.')[1] ?? '', 'base64url').toString()), aud })
          .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
          .sign(key);
      expect((await gw.call('/user', { bearer: await forge('https://globex.api.example.com'), headers: { 'X-Tenant-ID': 'acme' } })).status).toBe(401);
      expect((await gw.call('/user', { bearer: await forge('https://acme.api.example.com'), headers: { 'X-Tenant-ID': 'acme' } })).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});
