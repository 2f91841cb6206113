import postgres from 'postgres';
import { afterAll } from 'vitest';
import { createDatabase, MIGRATED_SCHEMA } from '../helpers/databases.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { describeBackendConformance } from './conformance.js';

// The backend reaches the run's server through a proxy, so the fault test can take "the server"
// down without disturbing other test files (and works with TEST_POSTGRES_URL too).
let proxy: TcpProxy | undefined;
afterAll(() => proxy?.close());

describeBackendConformance(
  'postgres',
  async () => {
    // The README's table plus the counter logout bumps, found by SESSION_VERSION_COLUMN=auto.
    const direct = new URL(await createDatabase(MIGRATED_SCHEMA));
    const admin = () => postgres(direct.toString(), { max: 1, onnotice: () => {} });
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const viaProxy = new URL(direct.toString());
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const dsn = viaProxy.toString();
    return {
      env: { AUTH_BACKEND: 'postgres', POSTGRES_DSN: dsn },
      atomicWithoutTenant: true,
      idType: 'number',
      async slow() {
        // A transaction holds the table locked until the test undoes it.
        const db = admin();
        let unlock = () => {};
        const locked = new Promise<void>((resolveLocked) => {
          void db.begin(async (tx) => {
            await tx`LOCK TABLE users IN ACCESS EXCLUSIVE MODE`;
            resolveLocked();
            await new Promise<void>((resolve) => {
              unlock = resolve;
            });
          });
        });
        await locked;
        return async () => {
          unlock();
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
        await proxy?.pause();
        return async () => {
          await proxy?.resume();
        };
      },
      async close() {},
    };
  },
  { hasServer: true },
);
