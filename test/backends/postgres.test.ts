import postgres from 'postgres';
import { afterAll } from 'vitest';
import { startPostgres, type PostgresServer } from '../helpers/embedded-postgres.js';
import { createDatabase, README_SCHEMA } from '../helpers/databases.js';
import { describeBackendConformance } from './conformance.js';

// Its own server: the fault test stops it, which must not disturb other test files.
let server: PostgresServer | undefined;
afterAll(() => server?.destroy());

describeBackendConformance(
  'postgres',
  async () => {
    server = await startPostgres();
    // The README's table plus the counter logout bumps, found by SESSION_VERSION_COLUMN=auto.
    const dsn = await createDatabase(`${README_SCHEMA}; ALTER TABLE users ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0;`, server.adminUrl);
    const admin = () => postgres(dsn, { max: 1, onnotice: () => {} });
    return {
      env: { AUTH_BACKEND: 'postgres', POSTGRES_DSN: dsn },
      atomicWithoutTenant: true,
      idType: 'number',
      async slow() {
        const db = admin();
        const locked = new Promise<void>((resolveLocked) => {
          void db.begin(async (tx) => {
            await tx`LOCK TABLE users IN ACCESS EXCLUSIVE MODE`;
            resolveLocked();
            await new Promise((r) => setTimeout(r, 2500));
          });
        });
        await locked;
        return async () => {
          await db.end({ timeout: 5 });
        };
      },
      async malformed(user) {
        // An existing table whose role column allows NULL, holding a NULL.
        const db = admin();
        await db`ALTER TABLE users ALTER COLUMN role DROP NOT NULL`;
        await db`UPDATE users SET role = NULL WHERE id = ${user.id}`;
        return async () => {
          await db`UPDATE users SET role = ${user.role} WHERE id = ${user.id}`;
          await db`ALTER TABLE users ALTER COLUMN role SET NOT NULL`;
          await db.end();
        };
      },
      async down() {
        await server?.stop();
        return async () => {
          await server?.start();
        };
      },
      async close() {},
    };
  },
  { hasServer: true },
);
