import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { loadDevSecrets } from '../../src/config/dev-secrets.js';
import { signUp, startGateway, STRONG_PASSWORD, type TestGateway, testApp } from '../fixtures.js';
import { json, startFakeServer, startHookReceiver } from '../fakes.js';
import { parseMetrics } from '../helpers/metrics.js';

// The red team's findings that stand alone, each against a real gateway (listening where the finding is about the socket).

const SECRETS = {
  JWT_SECRET: 'a'.repeat(32),
  JWT_REFRESH_SECRET: 'b'.repeat(32),
  JWT_VERIFY_SECRET: 'c'.repeat(32),
};
const PUBLIC_URLS = { EXTERNAL_URL: 'https://auth.example.com', VERIFY_REDIRECT_URL: 'https://app.example.com/verify' };
const PRODUCTION = { ...SECRETS, ...PUBLIC_URLS, NODE_ENV: 'production', MAIL_HOST: 'smtp.example.com', MAIL_FROM: 'a@example.com', METRICS_TOKEN: 'm'.repeat(32) };

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env, { devSecrets: false });
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return '';
}

describe('one request must not freeze the gateway', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  it('64 KiB bodies of one repeated form field are refused at once while /healthz keeps answering', async () => {
    const flood = Array(32_768).fill('a').join('&');
    expect(flood.length).toBeLessThanOrEqual(64 * 1024);
    const posts = Array.from({ length: 6 }, () =>
      fetch(`${gw.url}/signup`, { method: 'POST', body: flood, headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    );
    // No time is measured here: the parser's work is bounded by counting the pairs it pulls
    // (src/http/body.test.ts: 2 of 32,768); here the gateway still answers while they arrive.
    const health = await fetch(`${gw.url}/healthz`);
    expect(health.status).toBe(200);
    for (const response of await Promise.all(posts)) {
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'validation_failed', issues: [{ path: 'a' }] });
    }
    const many = Array.from({ length: 101 }, (_, i) => `f${i}=1`).join('&');
    const tooMany = await gw.call('/signup', { method: 'POST', body: many, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({ error: 'validation_failed' });
  });
});

describe('/metrics tells nobody who has an account', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await testApp();
    await signUp(gw, 'known@example.com');
  });
  afterAll(() => gw.close());

  /** Counters and histogram counts (not timings) of the gateway's own metrics. */
  const counts = async () =>
    new Map(
      parseMetrics(await (await gw.call('/metrics')).text())
        .filter((s) => s.name.startsWith('authura_') && !s.name.startsWith('authura_process_') && !s.name.endsWith('_bucket') && !s.name.endsWith('_sum'))
        .filter((s) => !(s.name.startsWith('authura_http_') && s.labels.route === '/metrics'))
        .map((s) => [`${s.name}${JSON.stringify(s.labels)}`, s.value]),
    );
  const delta = (before: Map<string, number>, after: Map<string, number>) =>
    Object.fromEntries([...after].filter(([key, value]) => value !== (before.get(key) ?? 0)).map(([key, value]) => [key, value - (before.get(key) ?? 0)]));
  const answer = async (response: Response) => ({
    status: response.status,
    body: await response.text(),
    headers: [...response.headers].filter(([name]) => !['date', 'x-request-id'].includes(name)),
  });

  for (const [path, flow] of [['/signup', 'signup'], ['/reset-password', 'reset']] as const) {
    it(`${path}: an existing and an unknown address change the same metrics by the same amounts, labelled by flow`, async () => {
      const first = await counts();
      const known = await answer(await gw.call(path, { json: { email: 'known@example.com' } }));
      const second = await counts();
      const unknown = await answer(await gw.call(path, { json: { email: `nobody-${flow}@example.com` } }));
      const third = await counts();
      await gw.mail.next('known@example.com');
      await gw.mail.next(`nobody-${flow}@example.com`);
      expect(known).toEqual(unknown);
      expect(delta(first, second)).toEqual(delta(second, third));
      expect(delta(first, second)).toHaveProperty([`authura_dependency_duration_seconds_count${JSON.stringify({ dependency: 'mail', operation: flow })}`], 1);
    });
  }

  it('names no mail kind in any metric', async () => {
    const operations = new Set(parseMetrics(await (await gw.call('/metrics')).text()).map((s) => s.labels.operation));
    for (const kind of ['account-exists', 'no-account', 'verify-email', 'reset-password', 'change-email']) expect(operations).not.toContain(kind);
  });

  it('is not served in production without METRICS_TOKEN, and the start says so', async () => {
    const production = await testApp({ ...PUBLIC_URLS, NODE_ENV: 'production', METRICS_TOKEN: '' });
    try {
      expect((await production.call('/metrics')).status).toBe(404);
      expect(production.deps.config.warnings.join('\n')).toContain('METRICS_TOKEN is not set: /metrics is not served in production');
    } finally {
      await production.close();
    }
    const withToken = await testApp({ ...PUBLIC_URLS, NODE_ENV: 'production', METRICS_TOKEN: 'scrape-token' });
    try {
      expect((await withToken.call('/metrics', { bearer: 'scrape-token' })).status).toBe(200);
    } finally {
      await withToken.close();
    }
  });
});

describe('production checks that could be bypassed', () => {
  it('NODE_ENV must be development, production or test: the nearest is suggested', () => {
    expect(problemsOf({ ...SECRETS, NODE_ENV: 'Production' })).toContain('NODE_ENV: expected development, production or test, got "Production" (did you mean production?)');
    expect(problemsOf({ ...SECRETS, NODE_ENV: 'prod' })).toContain('did you mean production?');
    expect(problemsOf({ ...SECRETS, NODE_ENV: 'dev' })).toContain('did you mean development?');
    for (const value of ['', 'development', 'test']) {
      const config = loadConfig({ ...SECRETS, NODE_ENV: value }, { devSecrets: false });
      expect(config.production).toBe(false);
    }
    expect(loadConfig({ ...PRODUCTION }, { devSecrets: false }).production).toBe(true);
  });

  it('a gateway started with NODE_ENV=Production refuses to start instead of running as development', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authura-env-'));
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: process.cwd(),
        env: { PATH: process.env.PATH, NODE_ENV: 'Production', PORT: '0', SQLITE_DB_PATH: join(dir, 'a.db'), JWT_SECRETS_FILE: join(dir, 's.json') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      expect(code).toBe(1);
      expect(output).toContain('did you mean production?');
      expect(output).not.toContain('authura listening');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every *_PREVIOUS secret must be as strong as a current one and differ from all others', () => {
    const weak = problemsOf({ ...PRODUCTION, JWT_SECRET_PREVIOUS: 'short1' });
    expect(weak).toContain('JWT_SECRET_PREVIOUS: entry 1 is too weak for production');
    expect(weak).toContain('dropping it ends the sessions and links signed with it');
    expect(problemsOf({ ...PRODUCTION, JWT_REFRESH_SECRET_PREVIOUS: `${'d'.repeat(32)},${SECRETS.JWT_SECRET}` })).toContain(
      'JWT_REFRESH_SECRET_PREVIOUS: entry 2 repeats another secret',
    );
    expect(problemsOf({ ...PRODUCTION, JWT_VERIFY_SECRET_PREVIOUS: `${'d'.repeat(32)},${'d'.repeat(32)}` })).toContain('JWT_VERIFY_SECRET_PREVIOUS: entry 2 repeats');
    expect(problemsOf({ ...PRODUCTION, JWT_SECRET_PREVIOUS: 'e'.repeat(32), JWT_REFRESH_SECRET_PREVIOUS: 'f'.repeat(32) })).toBe('');
  });

  it('HOOK_SIGNING_SECRET needs 32 bytes in production and is warned about in development', () => {
    const hook = { HOOK_URL: 'http://hooks.example.com/h', HOOK_SIGNING_SECRET: 'tiny' };
    expect(problemsOf({ ...PRODUCTION, ...hook })).toContain('HOOK_SIGNING_SECRET: too weak for production');
    const development = loadConfig({ ...SECRETS, ...hook }, { devSecrets: false });
    expect(development.warnings.join('\n')).toContain('HOOK_SIGNING_SECRET is shorter than 32 bytes');
    expect(problemsOf({ ...PRODUCTION, ...hook, HOOK_SIGNING_SECRET: 'h'.repeat(32) })).toBe('');
  });
});

describe("Hasura's built-in admin role", () => {
  const HASURA = 'https://hasura.io/jwt/claims';

  it('is refused in production unless mapped or explicitly allowed, with the fix printed; warned about in development', () => {
    const refused = problemsOf({ ...PRODUCTION, JWT_EXTENSIONS: 'hasura' });
    expect(refused).toContain("HASURA_ROLE_MAP: the hasura extension would give users of role \"admin\" Hasura's built-in admin role");
    expect(refused).toContain('HASURA_ROLE_MAP=admin=app_admin');
    expect(problemsOf({ ...PRODUCTION, JWT_EXTENSIONS: 'hasura', HASURA_ROLE_MAP: 'admin=app_admin' })).toBe('');
    expect(problemsOf({ ...PRODUCTION, JWT_EXTENSIONS: 'hasura', HASURA_ALLOW_ADMIN_ROLE: 'true' })).toBe('');
    expect(problemsOf({ ...PRODUCTION, JWT_EXTENSIONS: 'hasura', ADMIN_ROLE: 'staff' })).toBe('');
    expect(problemsOf({ ...PRODUCTION, JWT_EXTENSIONS: 'hasura', ADMIN_ROLE: 'staff', HASURA_ROLE_MAP: 'staff=admin' })).toContain('users of role "staff"');
    expect(problemsOf({ ...SECRETS, JWT_EXTENSIONS: 'hasura', HASURA_ROLE_MAP: 'broken' })).toContain('HASURA_ROLE_MAP: "broken" is not role=hasura_role');
    expect(loadConfig({ ...SECRETS, JWT_EXTENSIONS: 'hasura' }, { devSecrets: false }).warnings.join('\n')).toContain("Hasura's built-in admin role");
  });

  it('HASURA_ROLE_MAP renames roles in the Hasura claims only; any other row holding admin gets no Hasura admin', async () => {
    const gw = await testApp({
      ...PUBLIC_URLS,
      NODE_ENV: 'production',
      METRICS_TOKEN: 'm'.repeat(32),
      JWT_EXTENSIONS: 'hasura',
      HASURA_ROLE_MAP: 'root=app_admin',
      ADMIN_ROLE: 'root',
      INITIAL_USER_EMAIL: 'root@example.com',
      INITIAL_USER_PASSWORD: 'Admin-Pass-123!',
    });
    try {
      const login = await gw.call('/token', { json: { email: 'root@example.com', password: 'Admin-Pass-123!' } });
      const claims = decodeJwt(((await login.json()) as { access_token: string }).access_token);
      expect(claims.role).toBe('root');
      expect(claims[HASURA]).toMatchObject({ 'x-hasura-default-role': 'app_admin', 'x-hasura-allowed-roles': ['app_admin', 'user'] });
      // A row an existing table holds with role "admin" (not ADMIN_ROLE here).
      const { user } = await signUp(gw, 'sneaky@example.com');
      await gw.deps.backend.update(user.id, null, { role: 'admin' });
      const sneaky = await gw.call('/token', { json: { email: 'sneaky@example.com', password: STRONG_PASSWORD } });
      expect(sneaky.status).toBe(403);
      expect(await sneaky.text()).not.toContain('access_token');
    } finally {
      await gw.close();
    }
  });
});

describe('webhook signatures cover the action and the impersonator', () => {
  const SIGNING = 's'.repeat(32);
  let gw: TestGateway;
  let hook: Awaited<ReturnType<typeof startHookReceiver>>;
  beforeAll(async () => {
    hook = await startHookReceiver();
    gw = await testApp({
      HOOK_URL: hook.url,
      HOOK_SIGNING_SECRET: SIGNING,
      IMPERSONATION_ENABLED: 'true',
      INITIAL_USER_EMAIL: 'root@example.com',
      INITIAL_USER_PASSWORD: 'Admin-Pass-123!',
    });
  });
  afterAll(async () => {
    await gw.close();
    await hook.close();
  });

  /** A receiver following the README: v2 over "<t>.<action>[.<impersonator>].<body>". */
  function v2Valid(call: { action: string | null; headers: IncomingMessage['headers']; rawBody: string }): boolean {
    const parts = Object.fromEntries(String(call.headers['x-authura-signature'] ?? '').split(',').map((p) => p.split('=') as [string, string]));
    const impersonator = call.headers['x-authura-impersonator'];
    const covered = impersonator === undefined ? call.action : `${call.action}.${String(impersonator)}`;
    return parts.v2 === createHmac('sha256', SIGNING).update(`${parts.t}.${covered}.${call.rawBody}`).digest('hex');
  }

  it('v2 covers the action: a captured get_user call does not verify as create_or_update_user; v1 stays for one release', async () => {
    await signUp(gw, 'hooked@example.com');
    hook.reset();
    await gw.call('/token', { json: { email: 'hooked@example.com', password: STRONG_PASSWORD } });
    const get = hook.calls.find((c) => c.action === 'get_user');
    expect(get).toBeDefined();
    const call = get as NonNullable<typeof get>;
    expect(v2Valid(call)).toBe(true);
    expect(v2Valid({ ...call, action: 'create_or_update_user' })).toBe(false);
    const parts = Object.fromEntries(String(call.headers['x-authura-signature']).split(',').map((p) => p.split('=') as [string, string]));
    expect(parts.v1).toBe(createHmac('sha256', SIGNING).update(`${parts.t}.${call.rawBody}`).digest('hex'));
    expect(call.headers['x-authura-impersonator']).toBeUndefined();
  });

  it('an impersonation tells the receiver who acts, in a header v2 covers', async () => {
    const admin = (await (await gw.call('/token', { json: { email: 'root@example.com', password: 'Admin-Pass-123!' } })).json()) as { access_token: string };
    const adminId = decodeJwt(admin.access_token).sub;
    hook.reset();
    const acting = await gw.call('/token', { json: { email: 'hooked@example.com', password: '' }, bearer: admin.access_token });
    expect(acting.status).toBe(200);
    const get = hook.calls.find((c) => c.action === 'get_user');
    const call = get as NonNullable<typeof get>;
    expect(call.headers['x-authura-impersonator']).toBe(adminId);
    expect(v2Valid(call)).toBe(true);
    // Stripped in transit, the header's absence no longer verifies.
    const stripped = { ...call, headers: { ...call.headers, 'x-authura-impersonator': undefined } };
    expect(v2Valid(stripped)).toBe(false);
  });
});

describe('file modes', () => {
  it('a new SQLite database (and its -wal and -shm) is 0600; an existing readable one is warned about, never changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authura-modes-'));
    try {
      const path = join(dir, 'new.db');
      const gw = await testApp({ SQLITE_DB_PATH: path });
      try {
        await signUp(gw, 'mode@example.com');
        for (const file of [path, `${path}-wal`, `${path}-shm`]) expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
      } finally {
        await gw.close();
      }
      const shared = join(dir, 'shared.db');
      writeFileSync(shared, '');
      chmodSync(shared, 0o644);
      const existing = await testApp({ SQLITE_DB_PATH: shared });
      try {
        expect(existing.logs.join('\n')).toContain('can be read by other users of this machine');
        expect((statSync(shared).mode & 0o777).toString(8)).toBe('644');
      } finally {
        await existing.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the development secrets file is 0600 after writing, even when it existed with another mode', () => {
    const dir = mkdtempSync(join(tmpdir(), 'authura-modes-'));
    try {
      const path = join(dir, 'dev-secrets.json');
      writeFileSync(path, '{}');
      chmodSync(path, 0o644);
      loadDevSecrets(path);
      expect((statSync(path).mode & 0o777).toString(8)).toBe('600');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a refused token says why, and the code stays invalid_token', () => {
  it('expired, another audience, another tenant, another kind, revoked: each its own description', async () => {
    const gw = await testApp({ MULTI_TENANT_ENABLED: 'true', JWT_AUDIENCE: 'https://{tenant}.api.example.com' });
    try {
      const acme = { 'X-Tenant-ID': 'acme' };
      const { tokens } = await signUp(gw, 'why@example.com', STRONG_PASSWORD, acme);
      const why = async (response: Response) => {
        expect(response.status).toBe(401);
        const body = (await response.json()) as { error: string; message: string; error_description: string };
        expect(body.error).toBe('invalid_token');
        expect(body.error_description).toBe(body.message);
        expect(response.headers.get('www-authenticate')).toBe(`Bearer error="invalid_token", error_description="${body.message}"`);
        return body.message;
      };
      // Another tenant's header: the tenant check (the audience too would differ).
      expect(await why(await gw.call('/user', { bearer: tokens.access_token, headers: { 'X-Tenant-ID': 'globex' } }))).toBe('The token was issued for another audience');
      expect(await why(await gw.call('/refresh', { json: { refresh_token: tokens.refresh_token }, headers: { 'X-Tenant-ID': 'globex' } }))).toBe('The token belongs to another tenant');
      expect(await why(await gw.call('/refresh', { json: { refresh_token: tokens.access_token }, headers: acme }))).toMatch(/^The token (is of another kind|was signed with a key this gateway does not have)/);
      await gw.call('/logout', { json: { refresh_token: tokens.refresh_token }, headers: acme });
      expect(await why(await gw.call('/refresh', { json: { refresh_token: tokens.refresh_token }, headers: acme }))).toBe(
        'The refresh token was revoked (a logout, or a change of password, email or role)',
      );
      const { vi } = await import('vitest');
      vi.useFakeTimers({ now: Date.now() + 3600_000, toFake: ['Date'] });
      try {
        expect(await why(await gw.call('/user', { bearer: tokens.access_token, headers: acme }))).toBe('The token has expired');
      } finally {
        vi.useRealTimers();
      }
    } finally {
      await gw.close();
    }
  });
});

describe('WWW-Authenticate on every 401', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await testApp({ METRICS_TOKEN: 'scrape-token', JWT_EXPIRATION: '1s' });
  });
  afterAll(() => gw.close());

  it('a bare Bearer without a token or with wrong credentials; invalid_token with a description for a refused token', async () => {
    const challenge = async (response: Response) => {
      expect(response.status).toBe(401);
      return response.headers.get('www-authenticate');
    };
    expect(await challenge(await gw.call('/user'))).toBe('Bearer');
    expect(await challenge(await gw.call('/metrics'))).toBe('Bearer');
    expect(await challenge(await gw.call('/token', { json: { email: 'nobody@example.com', password: 'Wrong-Pass-1!' } }))).toBe('Bearer');
    expect(await challenge(await gw.call('/user', { bearer: 'not.a.token' }))).toBe('Bearer error="invalid_token", error_description="The token is not a JWT"');
    const { tokens } = await signUp(gw, 'expiring@example.com');
    const { vi } = await import('vitest');
    vi.useFakeTimers({ now: Date.now() + 60_000, toFake: ['Date'] });
    try {
      expect(await challenge(await gw.call('/user', { bearer: tokens.access_token }))).toBe(
        'Bearer error="invalid_token", error_description="The token has expired"',
      );
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('proxies, readiness, slow clients and the audit collector', () => {
  it('X-Forwarded-For arriving while TRUSTED_PROXIES is unset is logged once (clients would share the proxy\'s limit)', async () => {
    const gw = await testApp();
    try {
      const warning = 'a request came with X-Forwarded-For, but TRUSTED_PROXIES is not set';
      await gw.call('/healthz');
      expect(gw.logs.some((line) => line.includes(warning))).toBe(false);
      for (let i = 0; i < 3; i++) await gw.call('/healthz', { headers: { 'X-Forwarded-For': `203.0.113.${i}` } });
      expect(gw.logs.filter((line) => line.includes(warning))).toHaveLength(1);
      const trusting = await testApp({ TRUSTED_PROXIES: 'loopback' });
      await trusting.call('/healthz', { headers: { 'X-Forwarded-For': '203.0.113.9' } });
      expect(trusting.logs.some((line) => line.includes(warning))).toBe(false);
      await trusting.close();
    } finally {
      await gw.close();
    }
  });

  it('when every X-Forwarded-For entry is trusted, the rightmost counts; TRUSTED_PROXY_HOPS counts from the right', async () => {
    const audited = (gw: TestGateway) => gw.logs.filter((l) => l.includes('"login_failed"')).map((l) => (JSON.parse(l) as { ip: string }).ip);
    const walk = await testApp({ TRUSTED_PROXIES: 'loopback,192.0.2.0/24' });
    const hops = await testApp({ TRUSTED_PROXIES: 'loopback', TRUSTED_PROXY_HOPS: '2' });
    try {
      const fail = (gw: TestGateway, chain: string) =>
        gw.call('/token', { json: { email: 'a@example.com', password: 'Wrong-Pass-1!' }, headers: { 'X-Forwarded-For': chain } });
      await fail(walk, '192.0.2.7, 192.0.2.8');
      await fail(walk, '203.0.113.1, 198.51.100.4, 192.0.2.8');
      expect(audited(walk)).toEqual(['192.0.2.8', '198.51.100.4']);
      await fail(hops, '203.0.113.1, 198.51.100.4, 10.0.0.2');
      await fail(hops, '198.51.100.5');
      expect(audited(hops)).toEqual(['198.51.100.4', '198.51.100.5']);
    } finally {
      await walk.close();
      await hops.close();
    }
    expect(loadConfig({ ...SECRETS, TRUSTED_PROXIES: 'private' }, { devSecrets: false }).warnings.join('\n')).toContain('TRUSTED_PROXIES includes "private"');
    expect(problemsOf({ ...SECRETS, TRUSTED_PROXY_HOPS: '1' })).toContain('TRUSTED_PROXY_HOPS: needs TRUSTED_PROXIES');
  });

  it('a burst of /readyz makes one backend probe', async () => {
    const gw = await testApp();
    try {
      const pings = async () =>
        parseMetrics(await (await gw.call('/metrics')).text()).find((s) => s.name === 'authura_dependency_duration_seconds_count' && s.labels.operation === 'ping')?.value ?? 0;
      const before = await pings(); // the start's own check
      const answers = await Promise.all(Array.from({ length: 20 }, () => gw.call('/readyz')));
      expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
      expect((await pings()) - before).toBe(1);
    } finally {
      await gw.close();
    }
  });

  it('a client that trickles its headers is answered 408 and cut off (HEADERS_TIMEOUT)', async () => {
    const gw = await startGateway({ HEADERS_TIMEOUT: '1s', REQUEST_TIMEOUT: '2s' });
    try {
      const { port } = new URL(gw.url);
      const socket = connect(Number(port), '127.0.0.1');
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString()));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      await closed;
      expect(received).toMatch(/^HTTP\/1\.1 408 /);
      expect(received).toContain('"error":"request_timeout"');
    } finally {
      await gw.close();
    }
  });

  it('past MAX_CONNECTIONS new connections are closed at once', async () => {
    const gw = await startGateway({ MAX_CONNECTIONS: '2' });
    const { port } = new URL(gw.url);
    const open = () =>
      new Promise<ReturnType<typeof connect>>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1', () => resolve(socket));
      });
    const held = [await open(), await open()];
    try {
      // Both held connections are accepted (they answer); the third is dropped by the server.
      for (const socket of held) {
        const answered = new Promise<string>((resolve) => socket.once('data', (chunk) => resolve(chunk.toString())));
        socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
        expect(await answered).toMatch(/^HTTP\/1\.1 200 /);
      }
      const third = await open();
      const ended = await new Promise<string>((resolve) => {
        let data = '';
        third.on('data', (chunk) => (data += chunk.toString()));
        third.once('close', () => resolve(data));
        third.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      expect(ended).toBe('');
    } finally {
      for (const socket of held) socket.destroy();
      await gw.close();
    }
  });

  it('at most AUDIT_MAX_IN_FLIGHT events are on their way to a stalled collector; the rest are dropped and counted', async () => {
    // A collector that holds every call: nothing it receives is ever answered.
    const stalled = await startFakeServer({ 'POST /audit': (_call, res) => json(res, 200, {}) });
    stalled.hold();
    const gw = await testApp({ AUDIT_URL: `${stalled.url}/audit`, AUDIT_TIMEOUT: '30s', AUDIT_MAX_IN_FLIGHT: '2' });
    try {
      for (let i = 0; i < 5; i++) await gw.call('/token', { json: { email: 'a@example.com', password: 'Wrong-Pass-1!' } });
      const samples = parseMetrics(await (await gw.call('/metrics')).text());
      expect(samples.find((s) => s.name === 'authura_audit_dropped_total')?.value).toBe(3);
      // Every event still reached the local trail.
      expect(gw.logs.filter((l) => l.includes('"login_failed"'))).toHaveLength(5);
      // The two in flight reached it (and are held there).
      await stalled.arrival(() => stalled.calls.length === 2);
      expect(stalled.calls).toHaveLength(2);
    } finally {
      await gw.close();
      await stalled.close();
    }
  });
});
