import 'dotenv/config';
import { migrate } from '../backends/migrate.js';
import { sessionVersionColumnToCreate } from '../backends/columns.js';
import { postgresSchemaSql } from '../backends/postgres/schema.js';
import { loadBackendConfig } from '../config/load-config.js';

/**
 * `npm run migrate`: creates the users table for a new database (idempotent).
 * `npm run migrate -- --print` prints the Postgres SQL instead (e.g. for Hasura's console).
 * Reads only the backend's variables (a migration job has no application secrets).
 */
try {
  const backend = loadBackendConfig(process.env);
  if (process.argv.includes('--print')) process.stdout.write(postgresSchemaSql(backend.table, backend.columns, sessionVersionColumnToCreate(backend.sessionVersion), backend.emailLookup));
  else process.stdout.write(`${await migrate(backend)}\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
