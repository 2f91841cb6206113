import { afterAll, beforeAll } from 'vitest';
import { type GatewayOptions, type TestGateway, testApp } from '../fixtures.js';
import { startHasura, startUsersService } from '../fakes.js';
import { createDatabase, MIGRATED_SCHEMA } from './databases.js';

/** A users store for a gateway under test: its environment, and how to stop it. */
export interface BackendStore {
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The four backends, each with its spend-once store (SQLite's own table, the migrated Postgres
 * table, the tracked Hasura table, the HTTP service's spent-links endpoint). `postgresUrl`: the
 * server to create the database on (the shared test server by default).
 */
export function backendStores(postgresUrl?: string): Record<'sqlite' | 'postgres' | 'hasura' | 'http', () => Promise<BackendStore>> {
  return {
    sqlite: async () => ({ env: {}, close: async () => {} }),
    postgres: async () => ({ env: { AUTH_BACKEND: 'postgres', POSTGRES_DSN: await createDatabase(MIGRATED_SCHEMA, postgresUrl) }, close: async () => {} }),
    hasura: async () => {
      const hasura = await startHasura(await createDatabase(MIGRATED_SCHEMA, postgresUrl), 'admin-secret');
      return {
        env: { AUTH_BACKEND: 'hasura', HASURA_URL: hasura.url, HASURA_GRAPHQL_ADMIN_SECRET: 'admin-secret', SESSION_VERSION_COLUMN: 'session_version' },
        close: () => hasura.close(),
      };
    },
    http: async () => {
      const service = await startUsersService({ name: 'Authorization', value: 'Bearer svc' });
      return {
        env: {
          AUTH_BACKEND: 'http',
          HTTP_URL: service.url,
          HTTP_AUTH_HEADER_VALUE: 'Bearer svc',
          HTTP_CONDITIONAL_UPDATES: 'true',
          HTTP_SPENT_LINKS_URL: service.spentLinksUrl,
          HTTP_MFA_URL: service.mfaUrl,
          HTTP_PASSKEYS_URL: service.passkeysUrl,
          HTTP_ADMIN_CALLS: 'list,delete',
          SESSION_VERSION_COLUMN: 'session_version',
        },
        close: () => service.close(),
      };
    },
  };
}

/**
 * A gateway on backend `name` for a `describe` block — its store started before, both closed
 * after — used as if it were there already (as `useGateway`).
 */
export function useGatewayOn(name: string, env: Record<string, string>, options: GatewayOptions = {}): TestGateway {
  let store: BackendStore | undefined;
  let gateway: TestGateway | undefined;
  beforeAll(async () => {
    store = await backendStores()[name as keyof ReturnType<typeof backendStores>]();
    // BACKEND_TIMEOUT: long enough that a busy machine never turns an answer into a timeout.
    gateway = await testApp({ ...store.env, BACKEND_TIMEOUT: '3s', ...env }, options);
  });
  afterAll(async () => {
    await gateway?.close();
    await store?.close();
  });
  return new Proxy({} as TestGateway, {
    get(_, key: keyof TestGateway) {
      if (!gateway) throw new Error('the gateway is used before its block started it');
      return gateway[key];
    },
  });
}
