import postgres from 'postgres';
import { sessionVersionColumnToCreate } from './columns.js';
import type { BackendSettings } from './create-backend.js';
import { postgresSchemaSql } from './postgres/schema.js';
import { createSqliteBackend } from './sqlite/sqlite-backend.js';

/**
 * Creates the users table (with the configured names) where it is missing. Idempotent.
 * Returns a sentence for the operator; throws for backends whose schema lives elsewhere.
 */
export async function migrate(backend: BackendSettings): Promise<string> {
  switch (backend.kind) {
    case 'postgres': {
      const sql = postgres(backend.postgres.dsn, { max: 1, onnotice: () => {}, connect_timeout: 10 });
      try {
        await sql.unsafe(postgresSchemaSql(backend.table, backend.columns, sessionVersionColumnToCreate(backend.sessionVersion), backend.emailLookup));
      } finally {
        await sql.end();
      }
      return `users table "${backend.table}" is ready (postgres)`;
    }
    case 'sqlite':
      await createSqliteBackend({
        path: backend.sqlitePath,
        timeoutMs: backend.timeoutMs,
        table: backend.table,
        columns: backend.columns,
        sessionVersion: backend.sessionVersion,
        emailLookup: backend.emailLookup,
      }).close();
      return `users table "${backend.table}" is ready (${backend.sqlitePath})`;
    default:
      throw new Error(
        `AUTH_BACKEND=${backend.kind} owns its schema elsewhere. For Hasura, run the SQL that ` +
          '`npm run migrate -- --print` prints on its Postgres database and track the table.',
      );
  }
}
