import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/core/logger.js';
import { buildDeps } from '../../src/deps.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { TestSmtpServer } from './smtp.js';
import type { Clock } from '../../src/core/clock.js';

export const STRONG_PASSWORD = 'Correct-Horse-9';

export interface TestGateway {
  readonly url: string;
  readonly smtp: TestSmtpServer;
  readonly running: RunningServer;
  readonly dbPath: string;
  /** Logged lines and audit lines, for checking what reaches them. */
  readonly logs: string[];
  call(path: string, init?: RequestInit & { json?: unknown; form?: Record<string, string>; bearer?: string }): Promise<Response>;
  close(): Promise<void>;
}

/**
 * A real gateway on a free port: SQLite file in a temp dir, mails to a real SMTP server
 * in this process. `env` overrides the defaults.
 */
export async function startGateway(env: Record<string, string> = {}, shared?: { smtp?: TestSmtpServer; clock?: Clock }): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'authura-test-'));
  const smtp = shared?.smtp ?? new TestSmtpServer();
  if (!shared?.smtp) await smtp.start();
  const config = loadConfig(
    {
      HOST: '127.0.0.1',
      PORT: '0',
      JWT_SECRET: 'test-access-secret-0123456789abcdef',
      JWT_REFRESH_SECRET: 'test-refresh-secret-0123456789abcdef',
      JWT_VERIFY_SECRET: 'test-verify-secret-0123456789abcdef',
      SQLITE_DB_PATH: join(dir, 'users.db'),
      MAIL_HOST: '127.0.0.1',
      MAIL_PORT: String(smtp.port),
      MAIL_FROM: 'Authura <no-reply@authura.test>',
      MAIL_TIMEOUT: '2s',
      LOG_LEVEL: 'debug',
      // Tests call far more often than a client would; the limits have tests of their own.
      RATE_PER_MINUTE: '0',
      MAIL_PER_ADDRESS_PER_HOUR: '0',
      // Many gateways run side by side in the suite: one hashing thread each is plenty.
      HASH_WORKERS: '1',
      ...env,
    },
    { devSecrets: false },
  );
  const logs: string[] = [];
  const deps = await buildDeps(config, {
    logger: createLogger(config.logLevel, (line) => logs.push(line)),
    auditWrite: (line) => logs.push(line),
    clock: shared?.clock,
  });
  const running = await startServer(config, deps);
  return {
    url: running.url,
    smtp,
    running,
    dbPath: config.backend.sqlitePath,
    logs,
    call(path, init = {}) {
      const { json, form, bearer, ...rest } = init;
      const headers = new Headers(rest.headers);
      let body = rest.body;
      if (json !== undefined) {
        headers.set('content-type', 'application/json');
        body = JSON.stringify(json);
      } else if (form !== undefined) {
        headers.set('content-type', 'application/x-www-form-urlencoded');
        body = new URLSearchParams(form).toString();
      }
      if (bearer !== undefined) headers.set('authorization', `Bearer ${bearer}`);
      const method = rest.method ?? (body !== undefined ? 'POST' : 'GET');
      return fetch(`${running.url}${path}`, { ...rest, method, headers, body });
    },
    async close() {
      await running.close();
      if (!shared?.smtp) await smtp.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The `token` query parameter of a mailed link. */
export function tokenOf(link: string | undefined): string {
  if (!link) throw new Error('the mail has no link');
  const token = new URL(link).searchParams.get('token');
  if (!token) throw new Error(`no token in ${link}`);
  return token;
}

/** Signs up and verifies `email` with `password`; returns the verify answer. */
export async function signUp(gw: TestGateway, email: string, password = STRONG_PASSWORD, headers: Record<string, string> = {}) {
  const signup = await gw.call('/signup', { json: { email }, headers });
  if (signup.status !== 200) throw new Error(`signup failed: ${signup.status} ${await signup.text()}`);
  const mail = await gw.smtp.next(email.trim().toLowerCase());
  const verify = await gw.call('/verify-email', { json: { token: tokenOf(mail.link), password }, headers });
  if (verify.status !== 200) throw new Error(`verify failed: ${verify.status} ${await verify.text()}`);
  return (await verify.json()) as {
    user: { id: number; email: string; role: string; tenant_id: string | null; verified_at: string };
    tokens: { access_token: string; refresh_token: string; token_type: string; expires_in: number };
  };
}

/** A clock that runs with real time but can be moved forward: the gateway's own timers read it. */
export function movableClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms) {
      offset += ms;
    },
  };
}
