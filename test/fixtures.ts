// How the tests get a gateway: built from a config like the real one, in process (`app.request`)
// or listening on a port (for what needs a socket), with SQLite in a temp dir, mails kept, an
// injectable clock; and the steps most tests start from (sign up, follow a mailed link).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { ensureInitialUser } from '../src/accounts/initial-user.js';
import { documentedErrors } from '../src/api/route.js';
import { routeTable } from '../src/api/table.js';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config/load-config.js';
import type { Clock } from '../src/core/clock.js';
import { ERROR_STATUS } from '../src/core/errors.js';
import { createLogger } from '../src/core/logger.js';
import { buildDeps, type Deps } from '../src/deps.js';
import { type RunningServer, startServer } from '../src/server.js';
import { type ReceivedMail, recordingMailer, TestSmtpServer } from './fakes.js';

export const STRONG_PASSWORD = 'Correct-Horse-9';

/** The secrets every test gateway signs with (tests forge tokens with them). */
export const TEST_SECRETS = {
  JWT_SECRET: 'test-access-secret-0123456789abcdef',
  JWT_REFRESH_SECRET: 'test-refresh-secret-0123456789abcdef',
  JWT_VERIFY_SECRET: 'test-verify-secret-0123456789abcdef',
} as const;

/** Where a test reads the mails the gateway sent. */
export interface Mailbox {
  readonly mails: ReceivedMail[];
  /** The next mail to `to` (or one already received and not yet taken), with `subject` when given. */
  next(to: string, subject?: string): Promise<ReceivedMail>;
}

export interface TestGateway {
  /** `http://gateway.test` in process; the listening address otherwise. */
  readonly url: string;
  readonly mail: Mailbox;
  readonly deps: Deps;
  readonly dbPath: string;
  /** Logged lines and audit lines, for checking what reaches them. */
  readonly logs: string[];
  /** The first line (logged already or still to come) that contains `text`. */
  logged(text: string): Promise<string>;
  call(path: string, init?: RequestInit & { json?: unknown; form?: Record<string, string>; bearer?: string }): Promise<Response>;
  close(): Promise<void>;
}

export interface ListeningGateway extends TestGateway {
  /** The real SMTP server the gateway sends to. */
  readonly smtp: TestSmtpServer;
  readonly running: RunningServer;
}

export interface GatewayOptions {
  readonly clock?: Clock;
  /** In process: send through the configured SMTP transport (MAIL_*) instead of keeping mails. */
  readonly configuredMail?: boolean;
  /** An SMTP server to share (listening gateways); a new one otherwise. */
  readonly smtp?: TestSmtpServer;
}

/** Lines as they are written, with a way to wait for one. */
function logBook() {
  const lines: string[] = [];
  const watchers: Array<{ text: string; resolve: (line: string) => void }> = [];
  return {
    lines,
    write(line: string) {
      lines.push(line);
      for (const watcher of watchers.filter((w) => line.includes(w.text))) {
        watchers.splice(watchers.indexOf(watcher), 1);
        watcher.resolve(line);
      }
    },
    logged(text: string): Promise<string> {
      const seen = lines.find((line) => line.includes(text));
      return seen !== undefined ? Promise.resolve(seen) : new Promise((resolve) => watchers.push({ text, resolve }));
    },
  };
}

/** The configuration of a test gateway: `env` over sensible test defaults. */
function testConfig(env: Record<string, string>, dir: string) {
  return loadConfig(
    {
      HOST: '127.0.0.1',
      PORT: '0',
      ...TEST_SECRETS,
      SQLITE_DB_PATH: join(dir, 'users.db'),
      MAIL_HOST: '127.0.0.1',
      MAIL_PORT: '1',
      MAIL_FROM: 'Authura <no-reply@authura.test>',
      MAIL_TIMEOUT: '2s',
      LOG_LEVEL: 'debug',
      // Tests call far more often than a client would; the limits have tests of their own.
      RATE_PER_MINUTE: '0',
      MAIL_PER_ADDRESS_PER_HOUR: '0',
      MAIL_PER_ADDRESS_PER_CLIENT_PER_HOUR: '0',
      MAIL_PER_ADDRESS_CAPTCHA_PER_HOUR: '0',
      MAIL_PER_ADDRESS_PER_SENDER_PER_HOUR: '0',
      // Many gateways run side by side in the suite: one hashing thread each is plenty, and the
      // cheapest cost bcrypt allows (a test that is about the cost sets its own).
      HASH_WORKERS: '1',
      BCRYPT_COST: '4',
      ...env,
    },
    { devSecrets: false },
  );
}

function requester(fetcher: (url: string, init: RequestInit) => Promise<Response>, base: string): TestGateway['call'] {
  return (path, init = {}) => {
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
    return fetcher(`${base}${path}`, { ...rest, method, headers, body });
  };
}

/**
 * Fails a test whose answer carries an error code its route does not document (the route table's
 * `errors` and those of its kind): every in-process call is checked.
 */
function documentedOnly(deps: Deps) {
  const { config } = deps;
  const routes = routeTable(deps).map((spec) => ({
    spec,
    pattern: new RegExp(`^${spec.path.replace(/:\w+/g, '[^/]+').replace(/\./g, '\\.')}$`),
    codes: new Set<string>(documentedErrors(spec, { hosts: config.tenancy.allowedHosts.length > 0, perIp: config.limits.perMinute > 0, cookies: config.delivery.cookie })),
  }));
  return async (method: string, url: string, response: Response): Promise<void> => {
    if (response.status < 400) return;
    const route = routes.find((r) => r.spec.method.toUpperCase() === method && r.pattern.test(new URL(url).pathname));
    if (!route) return; // no route: the app's own 404 / 405
    const body = (await response.clone().json().catch(() => undefined)) as { error?: unknown } | undefined;
    // Answers that are not error objects (/readyz's 503) document themselves.
    if (typeof body?.error !== 'string') return;
    const code = body.error;
    // A webhook's refusal passes through as the hook wrote it (its own codes), where the route says so.
    if (!route.codes.has(code) && !(route.spec.hookRefusals && !(code in ERROR_STATUS))) {
      throw new Error(`${method} ${route.spec.path} answered ${response.status} ${code}, which its route does not document`);
    }
  };
}

/**
 * The gateway in this process: its app answers `app.request()` calls (no socket), as from
 * 127.0.0.1; mails are rendered and kept in memory. Every error answer is checked against what
 * its route documents.
 */
export async function testApp(env: Record<string, string> = {}, options: GatewayOptions = {}): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'authura-test-'));
  const config = testConfig(env, dir);
  const log = logBook();
  const mailer = recordingMailer(config.mail.templatesDir);
  const deps = await buildDeps(config, {
    logger: createLogger(config.logLevel, log.write),
    auditWrite: log.write,
    clock: options.clock,
    mailer: options.configuredMail ? undefined : mailer,
  });
  await ensureInitialUser(deps, config.backend.initialUser);
  const app = createApp(deps);
  const documented = documentedOnly(deps);
  // What @hono/node-server would pass: the client's socket, for the client's address.
  const connection = { incoming: { socket: { remoteAddress: '127.0.0.1', remotePort: 40000, remoteFamily: 'IPv4' } } };
  return {
    url: 'http://gateway.test',
    mail: mailer,
    deps,
    dbPath: config.backend.sqlitePath,
    logs: log.lines,
    logged: log.logged,
    call: requester(async (url, init) => {
      const response = await app.request(url, init, connection);
      await documented(init.method ?? 'GET', url, response);
      return response;
    }, 'http://gateway.test'),
    async close() {
      deps.mailer.close();
      await deps.limits.close();
      await deps.hasher.close();
      await deps.spentLinks.close();
      await deps.backend.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A real gateway on a free port: mails to a real SMTP server in this process. */
export async function startGateway(env: Record<string, string> = {}, options: GatewayOptions = {}): Promise<ListeningGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'authura-test-'));
  const smtp = options.smtp ?? new TestSmtpServer();
  if (!options.smtp) await smtp.start();
  const config = testConfig({ MAIL_PORT: String(smtp.port), ...env }, dir);
  const log = logBook();
  const deps = await buildDeps(config, { logger: createLogger(config.logLevel, log.write), auditWrite: log.write, clock: options.clock });
  const running = await startServer(config, deps);
  return {
    url: running.url,
    mail: smtp,
    smtp,
    running,
    deps,
    dbPath: config.backend.sqlitePath,
    logs: log.lines,
    logged: log.logged,
    call: requester(fetch, running.url),
    async close() {
      await running.close();
      if (!options.smtp) await smtp.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A gateway for the whole file (started before its tests, closed after them), used as if it
 * were there already: `const gw = useGateway({ … })`, then `gw.call(…)` in a test.
 */
export function useGateway(env: Record<string, string> = {}, options: GatewayOptions & { listening?: boolean } = {}): TestGateway {
  let gateway: TestGateway | undefined;
  beforeAll(async () => {
    gateway = options.listening ? await startGateway(env, options) : await testApp(env, options);
  });
  afterAll(() => gateway?.close());
  return new Proxy({} as TestGateway, {
    get(_, key: keyof TestGateway) {
      if (!gateway) throw new Error('the gateway is used before its file started it');
      return gateway[key];
    },
  });
}

/** The `token` query parameter of a mailed link. */
export function tokenOf(link: string | undefined): string {
  if (!link) throw new Error('the mail has no link');
  const token = new URL(link).searchParams.get('token');
  if (!token) throw new Error(`no token in ${link}`);
  return token;
}

/** Signs up and verifies `email` with `password`; returns the verify answer. */
export async function signUp(gw: Pick<TestGateway, 'call' | 'mail'>, email: string, password = STRONG_PASSWORD, headers: Record<string, string> = {}) {
  const signup = await gw.call('/signup', { json: { email }, headers });
  if (signup.status !== 200) throw new Error(`signup failed: ${signup.status} ${await signup.text()}`);
  const mail = await gw.mail.next(email.trim().toLowerCase());
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

/** What a child process writes (stdout and stderr), with a way to wait for something in it. */
export function watchOutput(child: import('node:child_process').ChildProcess) {
  let text = '';
  const watchers: Array<{ matches: (text: string) => boolean; resolve: () => void }> = [];
  const seen = () => {
    for (const watcher of watchers.filter((w) => w.matches(text))) {
      watchers.splice(watchers.indexOf(watcher), 1);
      watcher.resolve();
    }
  };
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      seen();
    });
  }
  return {
    get text() {
      return text;
    },
    /** Resolves once the output satisfies `matches` (a substring, or a test); rejects if the process exits first. */
    until(matches: string | ((text: string) => boolean)): Promise<void> {
      const test = typeof matches === 'string' ? (t: string) => t.includes(matches) : matches;
      if (test(text)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        watchers.push({ matches: test, resolve });
        child.once('exit', (code) => (test(text) ? resolve() : reject(new Error(`the process exited (${code}) first: ${text.slice(-500)}`))));
      });
    },
  };
}
