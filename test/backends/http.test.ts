import { startUsersService } from '../helpers/users-service.js';
import { describeBackendConformance, serviceHarness } from './conformance.js';

describeBackendConformance(
  'http',
  async () => {
    const service = await startUsersService({ name: 'X-Api-Key', value: 'service-key' });
    return serviceHarness(
      service,
      { AUTH_BACKEND: 'http', HTTP_URL: service.url, HTTP_AUTH_HEADER_KEY: 'X-Api-Key', HTTP_AUTH_HEADER_VALUE: 'service-key', SESSION_VERSION_COLUMN: 'session_version' },
      { atomicWithoutTenant: true, idType: 'string' },
    );
  },
  { hasServer: true },
);
