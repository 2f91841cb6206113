import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { createTokens } from './tokens.js';

describe('token kinds', () => {
  it('keeps kinds apart by typ even when every secret is the same', async () => {
    const same = 'one-secret-for-all-0123456789abcdef';
    const config = loadConfig(
      { JWT_SECRET: same, JWT_REFRESH_SECRET: same, JWT_VERIFY_SECRET: same, SQLITE_DB_PATH: ':memory:' },
      { devSecrets: false },
    );
    const tokens = await createTokens(config.jwt, false);
    const stored = { id: 1, email: 'a@b.co', role: 'user', password: 'x', tenant_id: null, verified_at: null };
    const issued = await tokens.issue(stored);
    await expect(tokens.access.verify(issued.refresh_token ?? '', null)).rejects.toMatchObject({ code: 'invalid_token' });
    await expect(tokens.refresh.verify(issued.access_token, null)).rejects.toMatchObject({ code: 'invalid_token' });
    const mailed = await tokens.link.sign('reset-password', { email: 'a@b.co', tenantId: null, user: stored });
    await expect(tokens.access.verify(mailed, null)).rejects.toMatchObject({ code: 'invalid_token' });
    await expect(tokens.link.verify(issued.access_token, null)).rejects.toMatchObject({ code: 'invalid_token' });
  });
});

describe('verified access tokens are remembered, never past their expiry', () => {
  const config = loadConfig(
    { JWT_SECRET: 'a'.repeat(32), JWT_REFRESH_SECRET: 'b'.repeat(32), JWT_VERIFY_SECRET: 'c'.repeat(32), JWT_EXPIRATION: '1m', MULTI_TENANT_ENABLED: 'true', JWT_AUDIENCE: 'api:{tenant}' },
    { devSecrets: false },
  );
  const someone = { id: 7, email: 'cache@example.com', role: 'user', password: 'x', tenant_id: 'acme', verified_at: null };

  afterAll(() => vi.useRealTimers());

  it('answers a second check from memory, refuses the token once expired, and keeps tenants apart', async () => {
    const tokens = await createTokens(config.jwt, true);
    const token = await tokens.access.sign(someone);
    const first = await tokens.access.verify(token, 'acme');
    expect(await tokens.access.verify(token, 'acme')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    // The same token for another tenant: its audience differs, and the tenant check stands.
    await expect(tokens.access.verify(token, 'globex')).rejects.toMatchObject({ code: 'invalid_token' });
    // A changed byte is another key, verified afresh (and refused).
    await expect(tokens.access.verify(`${token.slice(0, -2)}AA`, 'acme')).rejects.toMatchObject({ code: 'invalid_token' });
    // Past exp plus the 5 s tolerance the remembered token is refused like any expired one.
    vi.useFakeTimers({ now: Date.now() + 66_000, toFake: ['Date'] });
    await expect(tokens.access.verify(token, 'acme')).rejects.toMatchObject({ code: 'invalid_token', message: 'The token has expired' });
  });
});
