import { createDatabase, MIGRATED_SCHEMA } from '../helpers/databases.js';
import { startHasura } from '../fakes.js';
import { describeBackendConformance, serviceHarness } from './conformance.js';

describeBackendConformance(
  'hasura',
  async () => {
    const hasura = await startHasura(
      await createDatabase(MIGRATED_SCHEMA),
      'hasura-admin-secret',
    );
    return serviceHarness(
      hasura,
      { AUTH_BACKEND: 'hasura', HASURA_URL: hasura.url, HASURA_GRAPHQL_ADMIN_SECRET: 'hasura-admin-secret', SESSION_VERSION_COLUMN: 'session_version' },
      // The README's unique index does not cover NULL tenants, and Hasura offers no lock.
      { atomicWithoutTenant: false, idType: 'number' },
    );
  },
  { hasServer: true },
);
