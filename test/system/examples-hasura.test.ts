import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, startGateway, TEST_SECRETS, type TestGateway } from '../fixtures.js';
import { startHasura } from '../fakes.js';
import { createDatabase } from '../helpers/databases.js';
import { type PostgresServer, startPostgres } from '../helpers/embedded-postgres.js';

const DIR = 'examples/hasura';
/** YAML as JSON, read by Debian's python3-yaml (the compose file and the metadata). */
const yaml = (file: string) => JSON.parse(execFileSync('/usr/bin/python3', ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', file], { encoding: 'utf8' }));
type Service = { image?: string; build?: string; environment: Record<string, string> };
const compose = yaml(`${DIR}/docker-compose.yml`) as { services: Record<string, Service> };
const authura = compose.services.authura as Service;
const hasuraService = compose.services.hasura as Service;
const jwtConfig = JSON.parse(hasuraService.environment.HASURA_GRAPHQL_JWT_SECRET as string) as { jwk_url: string; issuer: string; audience: string; claims_namespace: string };

describe('examples/hasura: the compose file', () => {
  it('is well formed: pinned images, every variable it reads documented in .env.example, no secret written inline', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['authura', 'hasura', 'postgres']);
    for (const service of Object.values(compose.services)) if (service.image) expect(service.image).toMatch(/:[\w.-]+$/);
    for (const service of Object.values(compose.services)) expect(service.image ?? '').not.toMatch(/:latest$/);
    const text = readFileSync(`${DIR}/docker-compose.yml`, 'utf8');
    const documented = new Set(readFileSync(`${DIR}/.env.example`, 'utf8').split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split('=')[0]));
    for (const [, name] of text.matchAll(/\$\{([A-Z_]+)\}/g)) expect(documented.has(name as string), name).toBe(true);
    for (const service of [authura, hasuraService]) {
      for (const [name, value] of Object.entries(service.environment)) {
        if (/SECRET$|PASSWORD|PRIVATE_KEY|TOKEN|_KEY$/.test(name) && name !== 'HASURA_GRAPHQL_JWT_SECRET') expect(value, name).toMatch(/^\$\{[A-Z_]+\}$/);
      }
    }
  });

  it("gives Hasura Authura's issuer, audience, claims namespace and JWKS", () => {
    expect(jwtConfig.issuer).toBe(authura.environment.EXTERNAL_URL);
    expect(jwtConfig.audience).toBe(authura.environment.JWT_AUDIENCE);
    expect(jwtConfig.claims_namespace).toBe('https://hasura.io/jwt/claims');
    expect(new URL(jwtConfig.jwk_url)).toMatchObject({ hostname: 'authura', port: authura.environment.PORT, pathname: '/.well-known/jwks.json' });
    expect(authura.environment.HASURA_URL).toBe('http://hasura:8080/v1/graphql');
  });
});

describe("examples/hasura: Authura's tokens as Hasura checks them, on the example's schema", () => {
  let pg: PostgresServer;
  let dsn: string;
  let hasura: Awaited<ReturnType<typeof startHasura>>;
  const env = (overrides: Record<string, string>) => {
    const keep = ['EXTERNAL_URL', 'AUTH_BACKEND', 'SESSION_VERSION_COLUMN', 'JWT_ALGORITHM', 'JWT_AUDIENCE', 'JWT_EXTENSIONS', 'HASURA_ROLE_MAP'];
    return { ...Object.fromEntries(keep.map((k) => [k, authura.environment[k] as string])), HASURA_URL: hasura.url, HASURA_GRAPHQL_ADMIN_SECRET: 'admin-secret', ...overrides };
  };
  beforeAll(async () => {
    pg = await startPostgres();
    // The example's migration, as the postgres container runs it at first start.
    dsn = await createDatabase(readFileSync(`${DIR}/migrations/001_users_and_notes.sql`, 'utf8'), pg.adminUrl);
    hasura = await startHasura(dsn, 'admin-secret');
  }, 120_000);
  afterAll(async () => {
    await hasura?.close();
    await pg?.destroy();
  });

  it('EdDSA with the JWKS: the token verifies as Hasura is told to verify it, and its user id selects only its own notes', async () => {
    const gw: TestGateway = await startGateway(env({ JWT_PRIVATE_KEYS: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }));
    try {
      const { user, tokens } = await signUp(gw, 'hasura-example@example.com');
      const other = await signUp(gw, 'someone-else@example.com');
      const jwks = createRemoteJWKSet(new URL(new URL(jwtConfig.jwk_url).pathname, gw.url));
      const { payload } = await jwtVerify(tokens.access_token, jwks, { issuer: jwtConfig.issuer, audience: jwtConfig.audience });
      const session = payload[jwtConfig.claims_namespace] as Record<string, unknown>;
      expect(session['x-hasura-user-id']).toBe(String(user.id));
      // The metadata's permissions are for a role the token allows, filtering on the token's user id.
      const tables = yaml(`${DIR}/metadata/tables.yaml`) as { table: { name: string }; select_permissions?: { role: string; permission: { filter: Record<string, { _eq: string }> } }[] }[];
      const notes = tables.find((t) => t.table.name === 'notes');
      const permission = notes?.select_permissions?.[0];
      expect(session['x-hasura-allowed-roles']).toContain(permission?.role);
      const [column, test] = Object.entries(permission?.permission.filter ?? {})[0] as [string, { _eq: string }];
      expect(test._eq.toLowerCase()).toBe('x-hasura-user-id');
      const sql = postgres(dsn, { max: 1, onnotice: () => {} });
      await sql`INSERT INTO notes (owner_id, body) VALUES (${user.id}, 'mine'), (${other.user.id}, 'theirs')`;
      // Hasura's row filter with the session variable from the token.
      const visible = await sql`SELECT body FROM notes WHERE ${sql(column)} = ${Number(session['x-hasura-user-id'])}`;
      await sql.end();
      expect(visible.map((r) => r.body)).toEqual(['mine']);
    } finally {
      await gw.close();
    }
  });

  it('HS256 with the shared secret (hs256.env): the token verifies with that key', async () => {
    const line = readFileSync(`${DIR}/hs256.env`, 'utf8').split('\n').find((l) => l.startsWith('HASURA_GRAPHQL_JWT_SECRET=')) as string;
    const config = JSON.parse(line.slice(line.indexOf('=') + 1).replace(`\${JWT_SECRET}`, TEST_SECRETS.JWT_SECRET)) as { type: string; key: string; issuer: string; audience: string };
    expect(config.type).toBe('HS256');
    const gw = await startGateway(env({ JWT_ALGORITHM: 'HS256' }));
    try {
      const { user, tokens } = await signUp(gw, 'hasura-hs256@example.com');
      const { payload } = await jwtVerify(tokens.access_token, new TextEncoder().encode(config.key), { issuer: config.issuer, audience: config.audience, algorithms: ['HS256'] });
      expect((payload['https://hasura.io/jwt/claims'] as Record<string, unknown>)['x-hasura-user-id']).toBe(String(user.id));
    } finally {
      await gw.close();
    }
  });
});
