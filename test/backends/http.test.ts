import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, testApp, type TestGateway } from '../fixtures.js';
import { startUsersService } from '../fakes.js';
import { describeBackendConformance, serviceHarness } from './conformance.js';

describeBackendConformance(
  'http',
  async () => {
    const service = await startUsersService({ name: 'X-Api-Key', value: 'service-key' });
    return serviceHarness(
      service,
      {
        AUTH_BACKEND: 'http',
        HTTP_URL: service.url,
        HTTP_AUTH_HEADER_KEY: 'X-Api-Key',
        HTTP_AUTH_HEADER_VALUE: 'service-key',
        SESSION_VERSION_COLUMN: 'session_version',
        HTTP_CONDITIONAL_UPDATES: 'true',
        HTTP_SPENT_LINKS_URL: service.spentLinksUrl,
        HTTP_MFA_URL: service.mfaUrl,
        HTTP_PASSKEYS_URL: service.passkeysUrl,
        HTTP_ADMIN_CALLS: 'list,delete',
      },
      { atomicWithoutTenant: true, idType: 'string' },
    );
  },
  { hasServer: true },
);

describe('logout against a users service that does not store session_version', () => {
  let service: Awaited<ReturnType<typeof startUsersService>>;
  let gw: TestGateway;
  beforeAll(async () => {
    service = await startUsersService({ name: 'X-Api-Key', value: 'service-key' });
    gw = await testApp({
      AUTH_BACKEND: 'http',
      HTTP_URL: service.url,
      HTTP_AUTH_HEADER_KEY: 'X-Api-Key',
      HTTP_AUTH_HEADER_VALUE: 'service-key',
      SESSION_VERSION_COLUMN: 'session_version',
    });
  });
  afterAll(async () => {
    await gw?.close();
    await service?.close();
  });

  it('is a 502 that claims nothing (never "revoked" when the tokens still work)', async () => {
    const { tokens } = await signUp(gw, 'forgetful@example.com');
    service.faults.dropSessionVersion = true;
    const logout = await gw.call('/logout', { json: { refresh_token: tokens.refresh_token } });
    expect(logout.status).toBe(502);
    expect(await logout.json()).toEqual({ error: 'backend_error', message: expect.any(String) });
    expect((await gw.call('/refresh', { json: { refresh_token: tokens.refresh_token } })).status).toBe(200);
    service.faults.dropSessionVersion = false;
    expect(await (await gw.call('/logout', { json: { refresh_token: tokens.refresh_token } })).json()).toEqual({ refresh_tokens_revoked: true });
  });
});
