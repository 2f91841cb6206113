import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signUp, startGateway, STRONG_PASSWORD, watchOutput } from './fixtures.js';
import { startHookReceiver } from './fakes.js';
import { freePort } from './helpers/ports.js';
import { parseMetrics } from './helpers/metrics.js';

describe('graceful shutdown', () => {
  it('lets an in-flight request finish, then refuses new connections', async () => {
    const hook = await startHookReceiver();
    const gw = await startGateway({ HOOK_URL: hook.url });
    try {
      await signUp(gw, 'late@example.com');
      // The login's get_user call is held at the hook: the request is in flight when shutdown starts.
      hook.replies.get_user = { hold: true, body: { slow: true } };
      const inFlight = gw.call('/token', { json: { email: 'late@example.com', password: STRONG_PASSWORD } });
      await hook.arrival('get_user');
      const closing = gw.running.close();
      hook.release();
      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(await response.json()).toHaveProperty('access_token');
      await closing;
      await expect(fetch(`${gw.url}/healthz`)).rejects.toThrow();
    } finally {
      await gw.close();
      await hook.close();
    }
  });
});

describe('the process', () => {
  it('starts with no configuration but a port, answers, and exits 0 on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authura-proc-'));
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', SQLITE_DB_PATH: join(dir, 'a.db'), JWT_SECRETS_FILE: join(dir, 'secrets.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = watchOutput(child);
    try {
      await output.until('authura listening');
      expect(output.text).toContain('development secrets');
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/form`)).status).toBe(200);
      // Unset, the public URLs follow PORT: a mailed link leads back to this gateway (dummy mail logs it).
      await fetch(`http://127.0.0.1:${port}/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":"port@example.com"}' });
      await output.until(`http://localhost:${port}/form?`);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output.text).toContain('shutting down');
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start with every configuration problem listed, exit code 1', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH, NODE_ENV: 'production', PORT: 'x', JWT_EXPIRATION: 'soon' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    // Values that do not parse and rules between variables, in one report.
    for (const variable of ['PORT', 'JWT_EXPIRATION', 'JWT_SECRET', 'JWT_REFRESH_SECRET', 'JWT_VERIFY_SECRET', 'MAIL_HOST', 'EXTERNAL_URL', 'VERIFY_REDIRECT_URL']) {
      expect(output).toContain(`${variable}:`);
    }
  });
});

/** The gateway as `node dist/main.js` would run, from the sources, with `env` (plus PATH). */
function gatewayProcess(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: process.cwd(), env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return { child, output: watchOutput(child), exited: new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))) };
}

describe('multi-process mode', () => {
  it('a gateway process that cannot start ends the whole process with its reason, instead of being restarted for ever', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authura-cluster-'));
    const port = await freePort();
    // An existing table without the session-version column it is told to use: the backend refuses at start.
    const existing = new Database(join(dir, 'a.db'));
    existing.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, role TEXT NOT NULL, password TEXT NOT NULL, tenant_id TEXT, verified_at TEXT)');
    existing.close();
    const { child, output, exited } = gatewayProcess({ PORT: String(port), HOST: '127.0.0.1', WORKERS: '2', HASH_WORKERS: '1', SQLITE_DB_PATH: join(dir, 'a.db'), JWT_SECRETS_FILE: join(dir, 's.json'), SESSION_VERSION_COLUMN: 'logouts' });
    try {
      expect(await exited).toBe(1);
      expect(output.text).toContain('a gateway process failed to start; stopping');
      expect(output.text).toContain('logouts');
      expect(output.text).not.toContain('starting another');
      expect(output.text.match(/authura failed to start/g)?.length ?? 0).toBeLessThanOrEqual(2); // the two forked, none again
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('GET /metrics with WORKERS=2 is the sum over both processes, whichever answers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authura-cluster-'));
    const port = await freePort();
    const { child, output, exited } = gatewayProcess({ PORT: String(port), HOST: '127.0.0.1', WORKERS: '2', HASH_WORKERS: '1', SQLITE_DB_PATH: join(dir, 'a.db'), JWT_SECRETS_FILE: join(dir, 's.json') });
    try {
      await output.until((text) => (text.match(/authura listening/g)?.length ?? 0) === 2);
      // A new connection each: node:cluster hands them to the two processes in turn.
      for (let i = 0; i < 10; i++) await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { Connection: 'close' } });
      const healthz = async () => {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { Connection: 'close' } })).text();
        return parseMetrics(text).filter((s) => s.name === 'authura_http_requests_total' && s.labels.route === '/healthz').reduce((n, s) => n + s.value, 0);
      };
      expect([await healthz(), await healthz(), await healthz()]).toEqual([10, 10, 10]);
    } finally {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });


  it('WORKERS=2 forks two gateways on one port, replaces a dead one, and stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authura-cluster-'));
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', WORKERS: '2', HASH_WORKERS: '1', SQLITE_DB_PATH: join(dir, 'a.db'), JWT_SECRETS_FILE: join(dir, 's.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = watchOutput(child);
    // The primary's word that a process serves (its death is then a crash, not a failed start).
    const listening = (text: string) => text.match(/gateway process serving/g)?.length ?? 0;
    try {
      await output.until((text) => listening(text) === 2);
      const pids = [...output.text.matchAll(/"message":"gateway process serving","pid":(\d+)/g)].map((m) => Number(m[1]));
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      process.kill(pids[0] as number, 'SIGKILL');
      await output.until((text) => listening(text) === 3);
      expect(output.text).toContain('gateway process died');
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
    // Three processes compiled from source (tsx), one of them a replacement: slow on a busy machine.
  }, 90_000);
});
