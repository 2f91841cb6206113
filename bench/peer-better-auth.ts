/**
 * The peer in the benchmark: better-auth with email + password on SQLite (better-sqlite3), served
 * by @hono/node-server like the gateway. Started by bench/run.ts as its own process; prints
 * `LISTENING <port>` when ready. Not part of the product.
 */
import { serve } from '@hono/node-server';
import Database from 'better-sqlite3';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';

import { createServer } from 'node:net';

// better-auth checks the Origin of every call against baseURL: it must carry the real port.
const port =
  Number(process.env.PORT ?? 0) ||
  (await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as { port: number };
      probe.close(() => resolve(free));
    });
  }));
const auth = betterAuth({
  database: new Database(process.env.DB_PATH ?? ':memory:'),
  secret: 'bench-secret-0123456789abcdef0123456789',
  baseURL: `http://127.0.0.1:${port}`,
  emailAndPassword: { enabled: true },
  rateLimit: { enabled: false },
  logger: { disabled: true },
});
const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

const server = serve({ fetch: (request) => auth.handler(request), hostname: '127.0.0.1', port }, (info) => {
  process.stdout.write(`LISTENING ${info.port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
