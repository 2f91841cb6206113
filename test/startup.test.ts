import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRONG_PASSWORD, startGateway, TEST_SECRETS, testApp, watchOutput } from './fixtures.js';
import { startHasura, startUsersService, TestSmtpServer } from './fakes.js';
import { createDatabase, README_SCHEMA } from './helpers/databases.js';
import { parseMetrics } from './helpers/metrics.js';
import { freePort } from './helpers/ports.js';

/**
 * The start as an operator meets it: the gateway process (`node dist/main.js`, from the sources)
 * with an environment, its exit code and what it printed.
 */
function gateway(env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'authura-start-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', SQLITE_DB_PATH: join(dir, 'a.db'), JWT_SECRETS_FILE: join(dir, 's.json'), HASH_WORKERS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = watchOutput(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    dir,
    output,
    /** Its exit code, and the line it died with. */
    async failure() {
      const code = await exited;
      rmSync(dir, { recursive: true, force: true });
      const line = output.text.split('\n').find((l) => l.startsWith('authura failed to start: ') || l.startsWith('Invalid configuration')) ?? output.text;
      return { code, line, text: output.text };
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('a start that cannot work ends at once, naming what to change', () => {
  it('Postgres refusing the password: POSTGRES_DSN and the server\'s reason, never the password, no waiting', async () => {
    const url = new URL(await createDatabase());
    url.password = 'not-the-password';
    const { code, line, text } = await gateway({ AUTH_BACKEND: 'postgres', POSTGRES_DSN: url.toString() }).failure();
    expect(code).toBe(1);
    expect(line).toMatch(/^authura failed to start: the postgres backend cannot be used: POSTGRES_DSN: Postgres refused the ping: password authentication failed for user "/);
    expect(text).not.toContain('not-the-password');
    expect(text).not.toContain('waiting for the backend');
    expect(text).not.toMatch(/^\s+at /m); // one line, no stack trace
  });

  it('a database that does not exist, and a DSN that is not one', async () => {
    const url = new URL(await createDatabase());
    url.pathname = '/no_such_database';
    expect((await gateway({ AUTH_BACKEND: 'postgres', POSTGRES_DSN: url.toString() }).failure()).line).toContain('POSTGRES_DSN: Postgres refused the ping: database "no_such_database" does not exist');
    const malformed = await gateway({ AUTH_BACKEND: 'postgres', POSTGRES_DSN: 'postgres://u:p%zz@db/x' }).failure();
    expect(malformed.code).toBe(1);
    expect(malformed.text).toContain('POSTGRES_DSN: is not a postgres:// URL');
    expect(malformed.text).not.toContain('p%zz');
  });

  it('a mapped column missing or of a type that cannot hold its value (Postgres, SQLite)', async () => {
    const noRole = await createDatabase(README_SCHEMA.replace('"role" VARCHAR NOT NULL,', ''));
    const postgres = await gateway({ AUTH_BACKEND: 'postgres', POSTGRES_DSN: noRole }).failure();
    expect(postgres.code).toBe(1);
    expect(postgres.line).toContain('USERS_TABLE users has no role column "role" (name it with USERS_COLUMNS=role=<column>)');

    const dir = mkdtempSync(join(tmpdir(), 'authura-sqlite-'));
    const db = new Database(join(dir, 'users.db'));
    db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, role TEXT NOT NULL, password TEXT NOT NULL, tenant_id TEXT, verified_at INTEGER)');
    db.close();
    const sqlite = await gateway({ SQLITE_DB_PATH: join(dir, 'users.db') }).failure();
    rmSync(dir, { recursive: true, force: true });
    expect(sqlite.line).toContain('column "verified_at" (verified_at) is integer affinity; expected text affinity, numeric affinity (DATETIME, TIMESTAMP), untyped');
  });

  it('MAIL_FROM as docker --env-file passes a dotenv-quoted value, and a misspelled variable', async () => {
    const quoted = await gateway({ MAIL_HOST: '127.0.0.1', MAIL_FROM: '"Acme <no-reply@acme.test>"' }).failure();
    expect(quoted.code).toBe(1);
    expect(quoted.text).toContain('MAIL_FROM: has quotes around the whole value (docker --env-file keeps them)');
    const typo = gateway({ JWT_SECERT: 'x'.repeat(32), PORT: String(await freePort()) });
    try {
      await typo.output.until('authura listening');
      expect(typo.output.text).toContain('JWT_SECERT is not a variable Authura knows and is ignored: did you mean JWT_SECRET?');
    } finally {
      await typo.stop();
    }
  });

  it('a port in use is one line', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
    const port = (taken.address() as { port: number }).port;
    try {
      const { code, line, text } = await gateway({ PORT: String(port) }).failure();
      expect(code).toBe(1);
      expect(line).toBe(`authura failed to start: PORT ${port} is already in use on 127.0.0.1 (another process listens there)`);
      expect(text).not.toMatch(/^\s+at /m);
    } finally {
      taken.close();
    }
  });
});

describe('Hasura and an HTTP users service that refuse or do not fit', () => {
  it('Hasura: a wrong admin secret, or a mapped field its table lacks', async () => {
    const hasura = await startHasura(await createDatabase(), 'hasura-secret');
    try {
      const wrongSecret = await startGateway({ AUTH_BACKEND: 'hasura', HASURA_URL: hasura.url, HASURA_GRAPHQL_ADMIN_SECRET: 'wrong' }).catch((error: Error) => error.message);
      expect(wrongSecret).toContain('the hasura backend cannot be used: HASURA_GRAPHQL_ADMIN_SECRET: Hasura refused the ping call');
      const missing = await startGateway({ AUTH_BACKEND: 'hasura', HASURA_URL: hasura.url, HASURA_GRAPHQL_ADMIN_SECRET: 'hasura-secret', USERS_COLUMNS: 'role=user_role' }).catch((error: Error) => error.message);
      expect(missing).toContain('USERS_TABLE users has no role column "user_role"');
    } finally {
      await hasura.close();
    }
  });

  it('an HTTP users service refusing our credentials', async () => {
    const service = await startUsersService({ name: 'Authorization', value: 'Bearer right' });
    try {
      const refused = await startGateway({ AUTH_BACKEND: 'http', HTTP_URL: service.url, HTTP_AUTH_HEADER_VALUE: 'Bearer wrong' }).catch((error: Error) => error.message);
      expect(refused).toContain('the http backend cannot be used: HTTP_AUTH_HEADER_VALUE: the users service refused our credentials with 401');
    } finally {
      await service.close();
    }
  });
});

/** What a production start needs, with the mail server on this machine, and `more` on top. */
const production = (more: Record<string, string>) => ({
  ...TEST_SECRETS,
  NODE_ENV: 'production',
  EXTERNAL_URL: 'https://auth.example.com',
  VERIFY_REDIRECT_URL: 'https://app.example.com/verify',
  METRICS_TOKEN: 'm'.repeat(32),
  MAIL_FROM: 'Authura <no-reply@example.com>',
  MAIL_HOST: '127.0.0.1',
  ...more,
});

describe('the mail server at start (production)', () => {
  const smtp = new TestSmtpServer();
  beforeAll(async () => {
    await smtp.start();
    smtp.options = { credentials: { user: 'authura', pass: 'right' } };
  });
  afterAll(() => smtp.stop());

  it('refused credentials end the start; a server that does not answer is a warning, and authura_mail_up says 0', async () => {
    const refused = await gateway(production({ MAIL_PORT: String(smtp.port), MAIL_USER: 'authura', MAIL_PASS: 'wrong' })).failure();
    expect(refused.code).toBe(1);
    expect(refused.line).toMatch(/^authura failed to start: the mail server cannot be used \(MAIL_USER \/ MAIL_PASS\): Invalid login: 535/);
    expect(refused.text).not.toContain('wrong');

    const port = await freePort(); // nothing listens there
    const down = gateway(production({ MAIL_PORT: String(port), MAIL_TIMEOUT: '500ms', PORT: String(await freePort()) }));
    try {
      await down.output.until('authura listening');
      expect(down.output.text).toContain('the mail server could not be used at start');
      const url = /"url":"([^"]+)"/.exec(down.output.text)?.[1] as string;
      // Not a readiness matter: sign-ins go on without mail.
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const metrics = parseMetrics(await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${'m'.repeat(32)}` } })).text());
      expect(metrics.find((s) => s.name === 'authura_mail_up')?.value).toBe(0);
    } finally {
      await down.stop();
    }
  });
});

describe('passwordless sign-in in production', () => {
  const smtp = new TestSmtpServer();
  beforeAll(() => smtp.start());
  afterAll(() => smtp.stop());

  it('is refused with a spend-once store only this process holds (a restart would forget the tries); a shared one starts', async () => {
    const service = await startUsersService({ name: 'Authorization', value: 'Bearer svc' });
    const env = production({
      MAIL_PORT: String(smtp.port),
      AUTH_BACKEND: 'http',
      HTTP_URL: service.url,
      HTTP_AUTH_HEADER_VALUE: 'Bearer svc',
      HTTP_CONDITIONAL_UPDATES: 'true',
      PASSWORDLESS_ENABLED: 'true',
    });
    try {
      const refused = await gateway(env).failure();
      expect(refused.code).toBe(1);
      expect(refused.line).toContain('PASSWORDLESS_ENABLED in production needs a shared spend-once store');
      expect(refused.line).toContain('HTTP_SPENT_LINKS_URL');
      const shared = gateway({ ...env, HTTP_SPENT_LINKS_URL: service.spentLinksUrl });
      await shared.output.until('authura listening');
      await shared.stop();
    } finally {
      await service.close();
    }
  });
});

describe('an existing table with mixed-case emails', () => {
  it('exact lookups (the default) warn at start with the count and the fix; EMAIL_LOOKUP=insensitive signs such users in', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authura-case-'));
    const path = join(dir, 'users.db');
    const seed = await testApp({ SQLITE_DB_PATH: path });
    const hash = await seed.deps.hasher.hash(STRONG_PASSWORD);
    await seed.deps.backend.create({ email: 'John@Example.com', role: 'user', password: hash, tenant_id: null, verified_at: new Date().toISOString() });
    await seed.close();
    try {
      const exact = await testApp({ SQLITE_DB_PATH: path });
      expect(exact.logs.find((line) => line.includes('have an email that is not lower-case'))).toContain('"count":1');
      expect((await exact.call('/token', { json: { email: 'john@example.com', password: STRONG_PASSWORD } })).status).toBe(401);
      await exact.close();

      const insensitive = await testApp({ SQLITE_DB_PATH: path, EMAIL_LOOKUP: 'insensitive' });
      expect((await insensitive.call('/token', { json: { email: 'john@example.com', password: STRONG_PASSWORD } })).status).toBe(200);
      // The reset goes to the address as the row holds it; a signup finds the account.
      await insensitive.call('/reset-password', { json: { email: 'JOHN@example.com' } });
      expect((await insensitive.mail.next('John@Example.com')).subject).toBe('Reset your password');
      await insensitive.call('/signup', { json: { email: 'john@example.com' } });
      expect((await insensitive.mail.next('john@example.com')).subject).toBe('You already have an account');
      expect(insensitive.logs.some((line) => line.includes('not lower-case'))).toBe(false);
      await insensitive.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
