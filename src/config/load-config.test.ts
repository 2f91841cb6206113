import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load-config.js';
import { parseDuration } from './duration.js';

const PUBLIC_URLS = { EXTERNAL_URL: 'https://auth.example.com', VERIFY_REDIRECT_URL: 'https://app.example.com/verify' };
const SECRETS = {
  JWT_SECRET: 'a'.repeat(32),
  JWT_REFRESH_SECRET: 'b'.repeat(32),
  JWT_VERIFY_SECRET: 'c'.repeat(32),
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, { devSecrets: false });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => p.variable);
    throw error;
  }
  return [];
}

describe('durations', () => {
  it.each([
    ['5m', 300_000],
    ['720h', 2_592_000_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    ['250ms', 250],
  ])('%s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '5', 'm', '5 m', '5d', '-5m', '5m-'])('refuses %j', (text) => expect(parseDuration(text)).toBeUndefined());
});

describe('loadConfig', () => {
  it('applies the Authura README defaults', () => {
    const config = loadConfig(SECRETS, { devSecrets: false });
    expect(config.server).toEqual({ host: 'localhost', port: 9000, workers: 1, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, maxConnections: 10_000, startupTimeoutMs: 15_000 });
    expect(config.passwords.cost).toBe(10);
    expect(config.passwords.threads).toBeGreaterThanOrEqual(1);
    expect(config.roles).toEqual({ admin: 'admin', default: 'user', listColumn: false });
    expect(config.urls.verifyRedirect).toBe('http://localhost:9000/form');
    expect(config.urls.external).toBe('http://localhost:9000');
    expect(config.jwt).toMatchObject({ accessTtl: 300, refreshTtl: 720 * 3600, verifyTtl: 3600, issuer: 'http://localhost:9000' });
    expect(config.tenancy).toEqual({ enabled: false, tenantHeader: 'X-Tenant-ID', hostHeader: 'Host', allowedHosts: [] });
    expect(config.backend).toMatchObject({ kind: 'sqlite', sqlitePath: './authura.db' });
    expect(config.mail.kind).toBe('dummy');
    expect(config.signupDisabled).toBe(false);
    expect(Object.isFrozen(config) && Object.isFrozen(config.jwt)).toBe(true);
  });

  it('reports every problem at once, by variable name', () => {
    expect(
      problems({
        ...SECRETS,
        PORT: 'abc',
        JWT_EXPIRATION: '5 minutes',
        SIGNUP_DISABLED: 'maybe',
        VERIFY_REDIRECT_URL: 'ftp://x',
        AUTH_BACKEND: 'mongo',
      }).sort(),
    ).toEqual(['AUTH_BACKEND', 'JWT_EXPIRATION', 'PORT', 'SIGNUP_DISABLED', 'VERIFY_REDIRECT_URL']);
    expect(problems({ ...SECRETS, MAIL_HOST: 'smtp.example.com', INITIAL_USER_EMAIL: 'a@b.co', ADMIN_ROLE: 'user' }).sort()).toEqual([
      'DEFAULT_ROLE',
      'INITIAL_USER_EMAIL',
      'MAIL_FROM',
    ]);
    expect(problems({ ...SECRETS, INITIAL_USER_EMAIL: 'a@b.co', INITIAL_USER_PASSWORD: 'weak' })).toEqual(['INITIAL_USER_PASSWORD']);
  });

  it('accepts the POSTGRES_INITIAL_USER_* aliases', () => {
    const config = loadConfig(
      { ...SECRETS, POSTGRES_INITIAL_USER_EMAIL: 'Root@Example.com', POSTGRES_INITIAL_USER_PASSWORD: 'Admin-Pass-123!' },
      { devSecrets: false },
    );
    expect(config.backend.initialUser).toEqual({ email: 'root@example.com', password: 'Admin-Pass-123!', tenantId: null });
  });

  it('checks OAuth providers and captcha', () => {
    expect(problems({ ...SECRETS, OAUTH_PROVIDERS: 'google,myspace' }).sort()).toEqual(['GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET', 'OAUTH_PROVIDERS']);
    expect(problems({ ...SECRETS, OAUTH_PROVIDERS: 'GitHub', GITHUB_CLIENT_ID: 'a', GITHUB_CLIENT_SECRET: 'b' })).toEqual([]);
    expect(problems({ ...SECRETS, CAPTCHA: 'recaptcha' })).toEqual(['CAPTCHA']);
    expect(problems({ ...SECRETS, CAPTCHA: 'turnstile' })).toEqual(['TURNSTILE_SECRET_KEY']);
  });

  it('checks JWT extensions at start: unknown names, templates, reserved and shared namespaces', () => {
    expect(problems({ ...SECRETS, JWT_EXTENSIONS: 'hasura,nope' })).toEqual(['JWT_EXTENSIONS']);
    expect(problems({ ...SECRETS, JWT_EXTENSIONS: 'env' }).sort()).toEqual(['JWT_ENV_EXTENSION_CLAIMS', 'JWT_ENV_EXTENSION_NAMESPACE']);
    const env = { ...SECRETS, JWT_EXTENSIONS: 'env', JWT_ENV_EXTENSION_NAMESPACE: 'custom' };
    expect(problems({ ...env, JWT_ENV_EXTENSION_CLAIMS: '{"a": "{{.Nope}}"}' })).toEqual(['JWT_ENV_EXTENSION_CLAIMS']);
    expect(problems({ ...env, JWT_ENV_EXTENSION_CLAIMS: '["x"]' })).toEqual(['JWT_ENV_EXTENSION_CLAIMS']);
    expect(problems({ ...env, JWT_ENV_EXTENSION_CLAIMS: '{bad json' })).toEqual(['JWT_ENV_EXTENSION_CLAIMS']);
    expect(problems({ ...env, JWT_ENV_EXTENSION_CLAIMS: '{"a": "{{.ID}}", "b": "{{email}}"}' })).toEqual([]);
    for (const namespace of ['sub', 'SUB', 'Role', 'hook_data', 'x-hasura-user-id', 'X-Hasura-Role']) {
      expect(problems({ ...env, JWT_ENV_EXTENSION_NAMESPACE: namespace, JWT_ENV_EXTENSION_CLAIMS: '{}' }), namespace).toEqual([
        'JWT_ENV_EXTENSION_NAMESPACE',
      ]);
    }
    expect(
      problems({ ...env, JWT_EXTENSIONS: 'hasura,env', JWT_ENV_EXTENSION_NAMESPACE: 'https://hasura.io/jwt/claims', JWT_ENV_EXTENSION_CLAIMS: '{}' }),
    ).toEqual(['JWT_ENV_EXTENSION_NAMESPACE']);
    expect(problems({ ...SECRETS, JWT_EXTENSIONS: 'hasura', HASURA_CLAIMS_FORMAT: 'xml' })).toEqual(['HASURA_CLAIMS_FORMAT']);
  });

  it('asymmetric access tokens need keys: PEM (also with \\n escapes) or JWK; generated in development', () => {
    expect(problems({ ...SECRETS, JWT_ALGORITHM: 'EdDSA' })).toEqual(['JWT_PRIVATE_KEYS']);
    expect(problems({ ...SECRETS, JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEYS: 'not a key' })).toEqual(['JWT_PRIVATE_KEYS']);
    expect(problems({ ...SECRETS, JWT_ALGORITHM: 'ES256' })).toEqual(['JWT_ALGORITHM']);
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const escaped = loadConfig({ ...SECRETS, JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEYS: pem.replace(/\n/g, '\\n') }, { devSecrets: false });
    expect(escaped.jwt.privateKeys).toEqual([pem.trim()]);
    const file = join(mkdtempSync(join(tmpdir(), 'authura-keys-')), 'keys.json');
    const dev = loadConfig({ ...SECRETS, JWT_ALGORITHM: 'RS256', JWT_KEYS_FILE: file });
    expect(dev.jwt.privateKeys[0]).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(loadConfig({ ...SECRETS, JWT_ALGORITHM: 'RS256', JWT_KEYS_FILE: file }).jwt.privateKeys).toEqual(dev.jwt.privateKeys);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('production refuses missing, weak or shared secrets, dummy mail and wildcard CORS', () => {
    expect(problems({ NODE_ENV: 'production', MAIL_HOST: 'smtp.example.com', MAIL_FROM: 'a@b.co' }).sort()).toEqual([
      'EXTERNAL_URL',
      'JWT_REFRESH_SECRET',
      'JWT_SECRET',
      'JWT_VERIFY_SECRET',
      'VERIFY_REDIRECT_URL',
    ]);
    expect(
      problems({ ...PUBLIC_URLS, NODE_ENV: 'production', JWT_SECRET: 'short', JWT_REFRESH_SECRET: 'b'.repeat(32), JWT_VERIFY_SECRET: 'b'.repeat(32), ALLOWED_ORIGINS: '*' }).sort(),
    ).toEqual(['ALLOWED_ORIGINS', 'JWT_REFRESH_SECRET', 'JWT_SECRET', 'MAIL_HOST']);
    expect(problems({ ...SECRETS, ...PUBLIC_URLS, NODE_ENV: 'production', MAIL_HOST: 'smtp.example.com', MAIL_FROM: 'a@b.co' })).toEqual([]);
  });

  it('production needs EXTERNAL_URL and VERIFY_REDIRECT_URL, https and public; development follows PORT', () => {
    const production = { ...SECRETS, NODE_ENV: 'production', MAIL_HOST: 'smtp.example.com', MAIL_FROM: 'a@b.co' };
    const message = (env: Record<string, string>) => {
      try {
        loadConfig(env, { devSecrets: false });
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(message(production)).toContain('EXTERNAL_URL: required in production');
    expect(message(production)).toContain('VERIFY_REDIRECT_URL: required in production');
    expect(message({ ...production, EXTERNAL_URL: 'http://auth.example.com', VERIFY_REDIRECT_URL: 'https://app.example.com/verify' })).toContain('EXTERNAL_URL: must be https');
    for (const local of ['https://localhost:9000', 'https://127.0.0.1', 'https://[::1]:8443', 'https://auth.localhost']) {
      expect(message({ ...production, ...PUBLIC_URLS, VERIFY_REDIRECT_URL: `${local}/form` })).toContain('VERIFY_REDIRECT_URL: must be the public address');
    }
    const dev = loadConfig({ ...SECRETS, PORT: '9100' }, { devSecrets: false });
    expect(dev.urls).toMatchObject({ external: 'http://localhost:9100', verifyRedirect: 'http://localhost:9100/form' });
    expect(dev.jwt.issuer).toBe('http://localhost:9100');
    const moved = loadConfig({ ...SECRETS, EXTERNAL_URL: 'https://auth.example.com/' }, { devSecrets: false });
    expect(moved.urls).toMatchObject({ external: 'https://auth.example.com', verifyRedirect: 'https://auth.example.com/form' });
    // JWT_ISSUER keeps the old `iss` while EXTERNAL_URL moves.
    expect(loadConfig({ ...SECRETS, EXTERNAL_URL: 'https://auth.example.com', JWT_ISSUER: 'http://localhost:9000' }, { devSecrets: false }).jwt.issuer).toBe('http://localhost:9000');
  });

  it('development without secrets generates them once into a private file and reuses them', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'authura-cfg-')), 'nested', 'secrets.json');
    const first = loadConfig({ JWT_SECRETS_FILE: file });
    const second = loadConfig({ JWT_SECRETS_FILE: file });
    expect(first.jwt.generatedSecrets).toBe(true);
    expect(second.jwt.accessSecret).toBe(first.jwt.accessSecret);
    expect(new Set([first.jwt.accessSecret, first.jwt.refreshSecret, first.jwt.verifySecret]).size).toBe(3);
    expect(Buffer.from(first.jwt.accessSecret, 'base64url').length).toBe(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain(first.jwt.refreshSecret);
    // A configured secret wins over the file.
    expect(loadConfig({ JWT_SECRETS_FILE: file, JWT_SECRET: 'mine' }).jwt.accessSecret).toBe('mine');
  });
});

describe('passkeys configuration', () => {
  const base = { JWT_SECRET: 'a'.repeat(32), JWT_REFRESH_SECRET: 'b'.repeat(32), JWT_VERIFY_SECRET: 'c'.repeat(32), PASSKEYS_ENABLED: 'true' };
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env }, { devSecrets: false });
      return [];
    } catch (error) {
      return (error as ConfigError).problems.map((p) => `${p.variable}: ${p.message}`);
    }
  };
  it('the RP id must be each origin host or a parent domain of it; production needs the origins', () => {
    expect(problems({ EXTERNAL_URL: 'http://localhost:9000' })).toEqual([]);
    expect(problems({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://app.example.com,https://example.com' })).toEqual([]);
    expect(problems({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://app.example.org' })).toEqual([
      'WEBAUTHN_RP_ID: must be app.example.org or a parent domain of it (WEBAUTHN_ORIGINS has https://app.example.org); it is example.com',
    ]);
    expect(problems({ WEBAUTHN_RP_ID: 'com', WEBAUTHN_ORIGINS: 'https://app.example.com' })[0]).toContain('is not a domain a browser accepts');
    expect(problems({ WEBAUTHN_ORIGINS: 'https://app.example.com/path' })[0]).toContain('is not an http(s) origin');
    const production = problems({ NODE_ENV: 'production', EXTERNAL_URL: 'https://auth.example.com', VERIFY_REDIRECT_URL: 'https://app.example.com/v', MAIL_HOST: 'smtp.example.com', MAIL_FROM: 'a@example.com' });
    expect(production).toContain('WEBAUTHN_ORIGINS: required in production with PASSKEYS_ENABLED: the app origins where passkeys are registered and used');
  });
});
