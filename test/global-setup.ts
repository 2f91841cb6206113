import type { TestProject } from 'vitest/node';
import { startPostgres, type PostgresServer } from './helpers/embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
}

let server: PostgresServer | undefined;

/** One real PostgreSQL server for the whole run; each test file creates its own databases. */
export async function setup(project: TestProject): Promise<void> {
  server = await startPostgres();
  project.provide('postgresAdminUrl', server.adminUrl);
}

export async function teardown(): Promise<void> {
  await server?.destroy();
}
