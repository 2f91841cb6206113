import { describe, expect, it } from 'vitest';
import { signUp, STRONG_PASSWORD, useGateway } from '../../test/fixtures.js';

// The same-site rule of routes that set, read or clear token cookies (cookie delivery).
const gw = useGateway({ TOKEN_DELIVERY: 'json,cookie', EXTERNAL_URL: 'https://auth.example.com', ALLOWED_ORIGINS: 'https://app.example.com', PASSWORDLESS_ENABLED: 'true' });
const off = useGateway({ TOKEN_DELIVERY: 'json' });

const login = (gateway: typeof gw, headers: Record<string, string>) =>
  gateway.call('/token', { form: { email: 'site@example.com', password: STRONG_PASSWORD }, headers });

describe('with cookie delivery, requests from another site', () => {
  it('are refused with 403 cross_site_request: another Origin, Origin null, a cross-site fetch without one', async () => {
    await signUp(gw, 'site@example.com');
    const refused: Record<string, string>[] = [
      { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
      { Origin: 'null', 'Sec-Fetch-Site': 'cross-site' },
      { Origin: 'http://app.example.com' }, // listed as https only
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site', Origin: 'https://other.auth.example.com' },
    ];
    for (const headers of refused) {
      const response = await login(gw, headers);
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(await response.json()).toMatchObject({ error: 'cross_site_request' });
      expect(response.headers.get('set-cookie')).toBeNull();
    }
    for (const path of ['/refresh', '/logout', '/verify-email', '/passwordless/verify']) {
      const response = await gw.call(path, { json: { refresh_token: 'x', token: 'x' }, headers: { Origin: 'https://evil.example' } });
      expect(response.status, path).toBe(403);
    }
    const me = await gw.call('/user', { headers: { 'Sec-Fetch-Site': 'cross-site' } });
    expect(me.status).toBe(403);
  });

  it('are let through from the same origin, EXTERNAL_URL or a listed origin, and without either header', async () => {
    const allowed: Record<string, string>[] = [
      { 'Sec-Fetch-Site': 'same-origin', Origin: 'https://auth.example.com' },
      { Origin: 'https://auth.example.com' },
      { Origin: 'https://app.example.com', 'Sec-Fetch-Site': 'cross-site' },
      {},
    ];
    for (const headers of allowed) {
      expect((await login(gw, headers)).status, JSON.stringify(headers)).toBe(200);
    }
  });

  it('change nothing without cookie delivery, and routes without token cookies are not concerned', async () => {
    await signUp(off, 'site@example.com');
    expect((await login(off, { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' })).status).toBe(200);
    expect((await gw.call('/reset-password', { json: { email: 'site@example.com' }, headers: { Origin: 'https://evil.example' } })).status).toBe(200);
  });
});
