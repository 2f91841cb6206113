import { createDatabase } from '../helpers/databases.js';
import { startHasura } from '../helpers/hasura-server.js';
import { describeBackendConformance, serviceHarness } from './conformance.js';

describeBackendConformance(
  'hasura',
  async () => {
    const hasura = await startHasura(await createDatabase(), 'hasura-admin-secret');
    return serviceHarness(
      hasura,
      { AUTH_BACKEND: 'hasura', HASURA_URL: hasura.url, HASURA_GRAPHQL_ADMIN_SECRET: 'hasura-admin-secret' },
      // The README's unique index does not cover NULL tenants, and Hasura offers no lock.
      { atomicWithoutTenant: false, idType: 'number' },
    );
  },
  { hasServer: true },
);
