/**
 * `npm run soak` (SOAK_MINUTES, default 2): mixed traffic against the compiled gateway on SQLite —
 * logins, refreshes, token checks, bad tokens, bad bodies, signups — reporting RSS and error
 * counts every 10 s, to show memory settles and nothing fails. Not part of `npm test`.
 */
import autocannon from 'autocannon';
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { START_ENV, START_FLAGS } from './start-script.js';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 2);
const EMAIL = 'soak@example.com';
const PASSWORD = 'Soak-Pass-123!';
const dir = mkdtempSync(join(tmpdir(), 'authura-soak-'));

function ask<T>(child: ChildProcess, message: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (reply) => resolve(reply as T));
    child.send(message);
  });
}

async function main() {
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  // Run as `npm start` runs it: its node flags and environment defaults.
  const child = fork('bench/gateway-server.mjs', [], {
    execArgv: START_FLAGS.split(' ').filter(Boolean),
    env: {
      PATH: process.env.PATH,
      JWT_SECRET: 'soak-access-secret-0123456789abcdef',
      JWT_REFRESH_SECRET: 'soak-refresh-secret-0123456789abcdef',
      JWT_VERIFY_SECRET: 'soak-verify-secret-0123456789abcdef',
      SQLITE_DB_PATH: join(dir, 'soak.db'),
      RATE_PER_MINUTE: '0',
      MAIL_PER_ADDRESS_PER_HOUR: '0',
      LOG_LEVEL: 'error',
      BENCH_EMAIL: EMAIL,
      BENCH_PASSWORD: PASSWORD,
      ...START_ENV,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { port } = await new Promise<{ port: number }>((resolve) => child.once('message', (m) => resolve(m as { port: number })));
  const url = `http://127.0.0.1:${port}`;
  const login = await fetch(`${url}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: EMAIL, password: PASSWORD }) });
  const tokens = (await login.json()) as { access_token: string; refresh_token: string };
  const json = { 'content-type': 'application/json' };
  let n = 0;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const instance = autocannon({
    url,
    connections: 16,
    duration: MINUTES * 60,
    requests: [
      { method: 'GET', path: '/user', headers: { authorization: `Bearer ${tokens.access_token}` } },
      { method: 'POST', path: '/refresh', headers: json, body: JSON.stringify({ refresh_token: tokens.refresh_token }) },
      { method: 'GET', path: '/user', headers: { authorization: 'Bearer not.a.token' } },
      { method: 'POST', path: '/signup', headers: json, setupRequest: (req) => ({ ...req, body: JSON.stringify({ email: `soak-${n++}@example.com` }) }) },
      { method: 'POST', path: '/token', headers: json, body: '{"email":' },
      { method: 'POST', path: '/token', headers: json, body: JSON.stringify({ email: EMAIL, password: n % 50 === 0 ? PASSWORD : 'Wrong-Pass-1!' }) },
    ],
  }, () => finished());
  const statuses = new Map<number, number>();
  let errors = 0;
  instance.on('response', (_client: unknown, status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1));
  instance.on('reqError', () => (errors += 1));
  const samples: number[] = [];
  const timer = setInterval(async () => {
    const { peakRssMb } = await ask<{ peakRssMb: number }>(child, 'stats');
    await ask(child, 'reset');
    samples.push(peakRssMb);
    const fiveXX = [...statuses].filter(([s]) => s >= 500).reduce((a, [, c]) => a + c, 0);
    process.stdout.write(`${new Date().toISOString()} rss ${peakRssMb.toFixed(0)} MB, responses ${[...statuses.values()].reduce((a, b) => a + b, 0)}, 5xx ${fiveXX}, socket errors ${errors}\n`);
  }, 10_000);
  await done;
  clearInterval(timer);
  child.kill('SIGTERM');
  const fiveXX = [...statuses].filter(([s]) => s >= 500).reduce((a, [, c]) => a + c, 0);
  const firstHalf = samples.slice(0, Math.ceil(samples.length / 2));
  const growth = samples.length > 1 ? Math.max(...samples.slice(firstHalf.length)) - Math.max(...firstHalf) : 0;
  process.stdout.write(`\nstatuses: ${JSON.stringify(Object.fromEntries(statuses))}\n5xx: ${fiveXX}, socket errors: ${errors}, RSS growth (2nd half peak − 1st half peak): ${growth.toFixed(1)} MB\n`);
  if (fiveXX > 0 || errors > 0 || growth > 40) process.exitCode = 1;
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`soak failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
