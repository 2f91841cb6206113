import { describe, expect, it } from 'vitest';
import { useGateway } from '../../test/fixtures.js';

const preflight = (gw: ReturnType<typeof useGateway>, path: string, method: string) =>
  gw.call(path, { method: 'OPTIONS', headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': method } });

describe('CORS allows the methods the routes answer', () => {
  const withPasskeys = useGateway({ ALLOWED_ORIGINS: 'https://app.example.com', PASSKEYS_ENABLED: 'true', WEBAUTHN_ORIGINS: 'https://app.example.com', EXTERNAL_URL: 'https://app.example.com' });
  const plain = useGateway({ ALLOWED_ORIGINS: 'https://app.example.com' });

  it('a listed origin may rename (PATCH) and remove (DELETE) a passkey', async () => {
    for (const method of ['PATCH', 'DELETE']) {
      const answer = await preflight(withPasskeys, '/webauthn/credentials/abc', method);
      expect(answer.status).toBe(204);
      expect(answer.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
      expect(answer.headers.get('access-control-allow-methods')?.split(',')).toEqual(['GET', 'POST', 'PATCH', 'DELETE']);
    }
  });

  it('without passkeys no route answers PATCH or DELETE, and none is allowed', async () => {
    expect((await preflight(plain, '/token', 'POST')).headers.get('access-control-allow-methods')?.split(',')).toEqual(['GET', 'POST']);
  });
});
