import { startUsersService } from '../helpers/users-service.js';
import { describeBackendConformance } from './conformance.js';

describeBackendConformance(
  'http',
  async () => {
    const service = await startUsersService({ name: 'X-Api-Key', value: 'service-key' });
    return {
      env: { AUTH_BACKEND: 'http', HTTP_URL: service.url, HTTP_AUTH_HEADER_KEY: 'X-Api-Key', HTTP_AUTH_HEADER_VALUE: 'service-key' },
      atomicWithoutTenant: true,
      idType: 'string',
      async slow() {
        service.faults.delayMs = 3000;
        return async () => {
          service.faults.delayMs = 0;
        };
      },
      async malformed() {
        service.faults.malformedRows = true;
        return async () => {
          service.faults.malformedRows = false;
        };
      },
      async down() {
        await service.pause();
        return () => service.resume();
      },
      close: () => service.close(),
    };
  },
  { hasServer: true },
);
