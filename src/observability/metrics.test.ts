import { describe, expect, it } from 'vitest';
import { signUp, testApp, STRONG_PASSWORD, useGateway } from '../../test/fixtures.js';
import { parseMetrics as parse } from '../../test/helpers/metrics.js';

const gw = useGateway();

describe('GET /metrics', () => {
  it('is Prometheus text with requests by route pattern, logins, tokens and dependency latency', async () => {
    await signUp(gw, 'metrics@example.com');
    await gw.call('/token', { json: { email: 'metrics@example.com', password: STRONG_PASSWORD } });
    await gw.call('/token', { json: { email: 'metrics@example.com', password: 'Wrong-Pass-1!' } });
    await gw.call('/no/such/path/123');
    const response = await gw.call('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parse(await response.text());
    const find = (name: string, labels: Record<string, string>) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    expect(find('authura_http_requests_total', { route: '/token', method: 'POST', status: '200' })).toBe(1);
    expect(find('authura_http_requests_total', { route: '/token', method: 'POST', status: '401' })).toBe(1);
    expect(find('authura_http_requests_total', { route: 'unmatched', status: '404' })).toBe(1);
    expect(samples.some((s) => s.labels.route?.includes('123'))).toBe(false);
    expect(find('authura_logins_total', { result: 'ok' })).toBe(1);
    expect(find('authura_logins_total', { result: 'failed' })).toBe(1);
    expect(find('authura_tokens_issued_total', { kind: 'refresh' })).toBe(2);
    expect(find('authura_dependency_duration_seconds_count', { dependency: 'backend', operation: 'find' })).toBeGreaterThan(0);
    expect(find('authura_dependency_duration_seconds_count', { dependency: 'mail', operation: 'signup' })).toBe(1);
    expect(find('authura_http_request_duration_seconds_count', { route: '/signup', method: 'POST' })).toBe(1);
  });

  it('counts dependency errors, and can require a token', async () => {
    // Mail to a port nobody listens on: a dependency error.
    const locked = await testApp({ METRICS_TOKEN: 'scrape-me', MAIL_PORT: '1' }, { configuredMail: true });
    try {
      await locked.call('/signup', { json: { email: 'x@example.com' } });
      expect((await locked.call('/metrics')).status).toBe(401);
      expect((await locked.call('/metrics', { bearer: 'wrong' })).status).toBe(401);
      const ok = await locked.call('/metrics', { bearer: 'scrape-me' });
      expect(ok.status).toBe(200);
      const samples = parse(await ok.text());
      expect(samples.find((s) => s.name === 'authura_dependency_errors_total' && s.labels.dependency === 'mail')?.value).toBe(1);
    } finally {
      await locked.close();
    }
  });
});
