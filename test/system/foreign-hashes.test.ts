import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestGateway, testApp } from '../fixtures.js';
import { startHasura, startUsersService } from '../fakes.js';
import { createDatabase, MIGRATED_SCHEMA } from '../helpers/databases.js';
import { type PostgresServer, startPostgres } from '../helpers/embedded-postgres.js';

const PASSWORD = 'weak password';

/**
 * Hashes of PASSWORD made by the reference tools (Debian's python3-argon2 and python3-passlib),
 * in the formats tables imported from other systems hold. The password breaks the policy on
 * purpose: the policy is never applied at login or rehash.
 */
function referenceHashes(): Record<string, string> {
  const script = `
import json, sys
from argon2 import PasswordHasher, Type
from passlib.hash import scrypt, pbkdf2_sha256, django_pbkdf2_sha256
p = sys.argv[1]
print(json.dumps({
  "argon2id (argon2-cffi)": PasswordHasher().hash(p),
  "argon2i (argon2-cffi)": PasswordHasher(type=Type.I).hash(p),
  "scrypt (passlib)": scrypt.hash(p),
  "pbkdf2-sha256 (passlib)": pbkdf2_sha256.hash(p),
  "Django pbkdf2_sha256 (passlib)": django_pbkdf2_sha256.hash(p),
}))`;
  const run = spawnSync('/usr/bin/python3', ['-c', script, PASSWORD], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`python3 (python3-argon2, python3-passlib) failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, string>;
}

describe('users imported with the hashes of other systems sign in, and are moved to bcrypt', () => {
  const hashes = referenceHashes();
  let postgresServer: PostgresServer;
  beforeAll(async () => {
    postgresServer = await startPostgres();
  }, 120_000);
  afterAll(() => postgresServer?.destroy());

  const stores: Record<string, () => Promise<{ env: Record<string, string>; close(): Promise<void> }>> = {
    sqlite: async () => ({ env: {}, close: async () => {} }),
    postgres: async () => ({ env: { AUTH_BACKEND: 'postgres', POSTGRES_DSN: await createDatabase(MIGRATED_SCHEMA, postgresServer.adminUrl) }, close: async () => {} }),
    hasura: async () => {
      const hasura = await startHasura(await createDatabase(MIGRATED_SCHEMA, postgresServer.adminUrl), 'admin-secret');
      return { env: { AUTH_BACKEND: 'hasura', HASURA_URL: hasura.url, HASURA_GRAPHQL_ADMIN_SECRET: 'admin-secret' }, close: () => hasura.close() };
    },
    http: async () => {
      const service = await startUsersService({ name: 'Authorization', value: 'Bearer svc' });
      return { env: { AUTH_BACKEND: 'http', HTTP_URL: service.url, HTTP_AUTH_HEADER_VALUE: 'Bearer svc', HTTP_CONDITIONAL_UPDATES: 'true' }, close: () => service.close() };
    },
  };

  describe.each(Object.keys(stores))('on the %s backend', (name) => {
    let store: Awaited<ReturnType<(typeof stores)[string]>>;
    let gw: TestGateway;
    beforeAll(async () => {
      store = await (stores[name] as () => Promise<typeof store>)();
      gw = await testApp({ ...store.env, BCRYPT_COST: '5' });
    });
    afterAll(async () => {
      await gw?.close();
      await store?.close();
    });

    it.each(Object.keys(hashes))('%s', async (format) => {
      const email = `${format.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}@example.com`;
      const row = await gw.deps.backend.create({ email, role: 'user', password: hashes[format] as string, tenant_id: null, verified_at: new Date().toISOString() });
      expect((await gw.call('/token', { json: { email, password: 'wrong password' } })).status).toBe(401);
      expect((await gw.deps.backend.findById(row.id, null))?.password).toBe(hashes[format]); // a failure changes nothing
      expect((await gw.call('/token', { json: { email, password: PASSWORD } })).status).toBe(200);
      // Moved to bcrypt at BCRYPT_COST on that first sign-in; the next one checks bcrypt.
      expect((await gw.deps.backend.findById(row.id, null))?.password).toMatch(/^\$2b\$05\$/);
      expect((await gw.call('/token', { json: { email, password: PASSWORD } })).status).toBe(200);
    });
  });
});
