import { createDatabase } from '../helpers/databases.js';
import { startHasura } from '../helpers/hasura-server.js';
import { describeBackendConformance } from './conformance.js';

describeBackendConformance(
  'hasura',
  async () => {
    const hasura = await startHasura(await createDatabase(), 'hasura-admin-secret');
    return {
      env: { AUTH_BACKEND: 'hasura', HASURA_URL: hasura.url, HASURA_GRAPHQL_ADMIN_SECRET: 'hasura-admin-secret' },
      // The README's unique index does not cover NULL tenants, and Hasura offers no lock.
      atomicWithoutTenant: false,
      idType: 'number',
      async slow() {
        hasura.faults.delayMs = 3000;
        return async () => {
          hasura.faults.delayMs = 0;
        };
      },
      async malformed() {
        hasura.faults.malformedRows = true;
        return async () => {
          hasura.faults.malformedRows = false;
        };
      },
      async down() {
        await hasura.pause();
        return () => hasura.resume();
      },
      close: () => hasura.close(),
    };
  },
  { hasServer: true },
);
