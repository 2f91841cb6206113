import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, testApp, STRONG_PASSWORD, type TestGateway, movableClock } from '../../test/fixtures.js';

describe('per-IP rate limit', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await testApp({ RATE_PER_MINUTE: '5' });
  });
  afterAll(() => gw.close());

  it('answers 429 JSON with Retry-After and RateLimit headers past RATE_PER_MINUTE; health checks are exempt', async () => {
    const first = await gw.call('/form');
    expect(first.headers.get('ratelimit-limit')).toBe('5');
    expect(first.headers.get('ratelimit-remaining')).toBe('4');
    for (let i = 0; i < 4; i++) await gw.call('/user');
    // A spoofed X-Forwarded-For changes nothing: no proxy is trusted.
    const limited = await gw.call('/token', { json: { email: 'a@example.com', password: 'x' }, headers: { 'X-Forwarded-For': '203.0.113.9' } });
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ error: 'rate_limited' });
    const retry = Number(limited.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(60);
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    expect((await gw.call('/healthz')).status).toBe(200);
    expect((await gw.call('/readyz')).status).toBe(200);
  });
});

describe('behind a trusted proxy', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await testApp({ RATE_PER_MINUTE: '3', TRUSTED_PROXIES: 'loopback' });
  });
  afterAll(() => gw.close());

  it('keys the limit on the forwarded client, walking past trusted hops', async () => {
    const from = (chain: string) => gw.call('/form', { headers: { 'X-Forwarded-For': chain } });
    for (let i = 0; i < 3; i++) expect((await from('198.51.100.1')).status).toBe(200);
    expect((await from('198.51.100.1')).status).toBe(429);
    // The client spoofs a first hop; the proxy appends the real one: the real one counts.
    expect((await from('198.51.100.1, 198.51.100.2')).status).toBe(200);
    // Trusted hops (loopback) are skipped from the right.
    expect((await from('198.51.100.1, 127.0.0.1')).status).toBe(429);
  });
});

describe('password guessing', () => {
  let gw: TestGateway;
  const clock = movableClock();
  beforeAll(async () => {
    gw = await testApp({ TRUSTED_PROXIES: 'loopback', LOGIN_FREE_ATTEMPTS: '3', LOGIN_MAX_BACKOFF: '2s' }, { clock });
    await signUp(gw, 'victim@example.com');
  });
  afterAll(() => gw.close());

  const login = (password: string, ip: string, email = 'victim@example.com') =>
    gw.call('/token', { json: { email, password }, headers: { 'X-Forwarded-For': ip } });

  it('backs an attacker off per account and IP, without locking the victim out from elsewhere', async () => {
    for (let i = 0; i < 3; i++) expect((await login('Wrong-Pass-1', '203.0.113.7')).status).toBe(401);
    expect((await login('Wrong-Pass-1', '203.0.113.7')).status).toBe(401); // the 4th failure starts the backoff
    const blocked = await login(STRONG_PASSWORD, '203.0.113.7');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // The victim, from their own address, is not affected.
    expect((await login(STRONG_PASSWORD, '198.51.100.20')).status).toBe(200);
    // Unknown accounts are counted the same way, so the backoff reveals nothing.
    for (let i = 0; i < 4; i++) await login('Wrong-Pass-1', '203.0.113.7', 'ghost@example.com');
    expect((await login('Wrong-Pass-1', '203.0.113.7', 'ghost@example.com')).status).toBe(429);
    // After the backoff (moved past on the gateway's clock) the right password works and clears the failures.
    clock.advance(2000);
    expect((await login(STRONG_PASSWORD, '203.0.113.7')).status).toBe(200);
    expect((await login('Wrong-Pass-1', '203.0.113.7')).status).toBe(401);
  });
});

describe('mails per address', () => {
  it('stops flooding one inbox whoever asks, and says when to come back', async () => {
    const gw = await testApp({ MAIL_PER_ADDRESS_PER_HOUR: '2', TRUSTED_PROXIES: 'loopback' });
    try {
      for (const ip of ['203.0.113.1', '203.0.113.2']) {
        const response = await gw.call('/reset-password', { json: { email: 'inbox@example.com' }, headers: { 'X-Forwarded-For': ip } });
        expect(response.status).toBe(200);
      }
      const third = await gw.call('/reset-password', { json: { email: 'inbox@example.com' }, headers: { 'X-Forwarded-For': '203.0.113.3' } });
      expect(third.status).toBe(429);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(3000);
      expect(gw.mail.mails.filter((m) => m.to === 'inbox@example.com')).toHaveLength(2);
      expect((await gw.call('/reset-password', { json: { email: 'other@example.com' } })).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});

describe('CORS', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await testApp({ ALLOWED_ORIGINS: 'app.example.com:3000,https://admin.example.com', MULTI_TENANT_ENABLED: 'true' });
  });
  afterAll(() => gw.close());

  it('echoes a listed origin with credentials (host:port form and full origins)', async () => {
    for (const origin of ['http://app.example.com:3000', 'https://app.example.com:3000', 'https://admin.example.com']) {
      const response = await gw.call('/healthz', { headers: { Origin: origin } });
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      expect(response.headers.get('vary')).toMatch(/origin/i);
    }
  });

  it('never reflects any other origin', async () => {
    for (const origin of ['https://evil.example', 'http://admin.example.com', 'https://app.example.com:3000.evil.example', 'null']) {
      const response = await gw.call('/user', { headers: { Origin: origin } });
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it('answers preflights for listed origins only, allowing the tenant header', async () => {
    const ok = await gw.call('/token', {
      method: 'OPTIONS',
      headers: { Origin: 'https://admin.example.com', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-tenant-id' },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://admin.example.com');
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-tenant-id');
    const denied = await gw.call('/token', {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a wildcard (development only) allows any origin but never with credentials', async () => {
    const dev = await testApp({ ALLOWED_ORIGINS: '*' });
    try {
      const response = await dev.call('/healthz', { headers: { Origin: 'https://anything.example' } });
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    } finally {
      await dev.close();
    }
  });
});

describe('hosts, tenants and headers', () => {
  it('refuses hosts outside ALLOWED_HOSTS, but not health checks', async () => {
    const gw = await testApp({ ALLOWED_HOSTS: 'auth.example.com', HOST_HEADER: 'X-Forwarded-Host' });
    try {
      const wrong = await gw.call('/form', { headers: { 'X-Forwarded-Host': 'evil.example' } });
      expect(wrong.status).toBe(400);
      expect(await wrong.json()).toMatchObject({ error: 'invalid_host' });
      expect((await gw.call('/form')).status).toBe(400);
      expect((await gw.call('/form', { headers: { 'X-Forwarded-Host': 'Auth.Example.com' } })).status).toBe(200);
      expect((await gw.call('/healthz')).status).toBe(200);
    } finally {
      await gw.close();
    }
  });

  it('multi-tenant without a tenant header or an allowed host: 400 tenant_required on every user route', async () => {
    const gw = await testApp({ MULTI_TENANT_ENABLED: 'true' });
    try {
      const response = await gw.call('/token', { json: { email: 'a@example.com', password: STRONG_PASSWORD } });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'tenant_required' });
      // Each route resolves its tenant itself: none may forget it (before auth or body checks).
      // (/verify-email takes the tenant from its token when no header names one.)
      for (const path of ['/signup', '/token', '/refresh', '/logout', '/change-password', '/change-email', '/invite', '/reset-password']) {
        const refused = await gw.call(path, { json: {}, bearer: 'x.y.z' });
        expect(await refused.json(), path).toMatchObject({ error: 'tenant_required' });
      }
      expect(await (await gw.call('/user', { bearer: 'x.y.z' })).json()).toMatchObject({ error: 'tenant_required' });
      expect((await gw.call('/oauth/google/callback')).status).toBe(404); // no provider here, and no tenant needed
    } finally {
      await gw.close();
    }
  });

  it('sends HSTS only when EXTERNAL_URL is https', async () => {
    const https = await testApp({ EXTERNAL_URL: 'https://auth.example.com' });
    const http = await testApp();
    try {
      expect((await https.call('/healthz')).headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
      expect((await http.call('/healthz')).headers.get('strict-transport-security')).toBeNull();
    } finally {
      await https.close();
      await http.close();
    }
  });
});
