import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, MIGRATED_SCHEMA } from '../helpers/databases.js';
import { movableClock, signUp, startGateway, STRONG_PASSWORD, tokenOf, type TestGateway } from '../fixtures.js';
import { READINESS_TTL_MS } from '../../src/api/routes/operations.js';
import { startHasura, startTcpProxy, startUsersService } from '../fakes.js';
import type { FaultyService } from './conformance.js';

interface Store {
  env: Record<string, string>;
  /** Makes the store hang (`slow`), answer garbage, or go away; returns the undo. */
  fault?(kind: 'slow' | 'garbage' | 'down'): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** A store behind a fake server whose faults can be switched on. */
function faultyStore(service: FaultyService & { faults: { garbage?: boolean } }, env: Record<string, string>): Store {
  return {
    env,
    async fault(kind) {
      if (kind === 'down') {
        await service.pause();
        return () => service.resume();
      }
      if (kind === 'slow') service.hold();
      else service.faults.garbage = true;
      return async () => {
        service.drop();
        service.faults.garbage = false;
      };
    },
    close: () => service.close(),
  };
}


const STORES: Record<string, () => Promise<Store>> = {
  sqlite: async () => ({ env: {}, close: async () => {} }),
  // Postgres faults (a stopped server, a locked table) are in the conformance suite; below, a
  // gateway pointed at a Postgres that is not there.
  postgres: async () => ({ env: { AUTH_BACKEND: 'postgres', POSTGRES_DSN: await createDatabase(MIGRATED_SCHEMA) }, close: async () => {} }),
  hasura: async () => {
    const hasura = await startHasura(await createDatabase(MIGRATED_SCHEMA), 'admin-secret');
    return faultyStore(hasura, {
      AUTH_BACKEND: 'hasura',
      HASURA_URL: hasura.url,
      HASURA_GRAPHQL_ADMIN_SECRET: 'admin-secret',
      SESSION_VERSION_COLUMN: 'session_version',
    });
  },
  http: async () => {
    const service = await startUsersService({ name: 'Authorization', value: 'Bearer svc' });
    return faultyStore(service, {
      AUTH_BACKEND: 'http',
      HTTP_URL: service.url,
      HTTP_AUTH_HEADER_VALUE: 'Bearer svc',
      SESSION_VERSION_COLUMN: 'session_version',
      HTTP_CONDITIONAL_UPDATES: 'true',
      HTTP_SPENT_LINKS_URL: service.spentLinksUrl,
    });
  },
};

describe.each(Object.keys(STORES))('the gateway on the %s backend', (name) => {
  let store: Store;
  let gw: TestGateway;
  // /readyz reuses its answer for a second: the tests move the gateway's clock past it.
  const clock = movableClock();
  const readyz = () => {
    clock.advance(READINESS_TTL_MS);
    return gw.call('/readyz');
  };
  beforeAll(async () => {
    store = await (STORES[name] as () => Promise<Store>)();
    gw = await startGateway({
      ...store.env,
      // Long enough that a busy machine never turns a race test's answers into timeouts; the
      // 'slow' fault holds calls, so it waits this long (three times).
      BACKEND_TIMEOUT: '3s',
      INITIAL_USER_EMAIL: 'root@example.com',
      INITIAL_USER_PASSWORD: 'Admin-Pass-123!',
      MULTI_TENANT_ENABLED: 'true',
      INITIAL_USER_TENANT_ID: 'acme',
    }, { clock });
  });
  afterAll(async () => {
    await gw?.close();
    await store?.close();
  });

  const acme = { 'X-Tenant-ID': 'acme' };

  it('signup → verify → login → refresh → user → reset, per tenant', async () => {
    const { user, tokens } = await signUp(gw, 'flow@example.com', STRONG_PASSWORD, acme);
    expect(user).toMatchObject({ email: 'flow@example.com', role: 'user', tenant_id: 'acme' });
    const login = await gw.call('/token', { json: { email: 'flow@example.com', password: STRONG_PASSWORD }, headers: acme });
    expect(login.status).toBe(200);
    const refreshed = await gw.call('/refresh', { json: { refresh_token: tokens.refresh_token }, headers: acme });
    expect(refreshed.status).toBe(200);
    const me = await gw.call('/user', { bearer: tokens.access_token, headers: acme });
    expect(((await me.json()) as { user: unknown }).user).toEqual(user);

    await gw.call('/reset-password', { json: { email: 'flow@example.com' }, headers: acme });
    const reset = tokenOf((await gw.mail.next('flow@example.com', 'Reset your password')).link);
    expect((await gw.call('/verify-email', { json: { token: reset, password: 'Reset-Pass-77' }, headers: acme })).status).toBe(200);
    expect((await gw.call('/refresh', { json: { refresh_token: tokens.refresh_token }, headers: acme })).status).toBe(401);
    expect((await gw.call('/token', { json: { email: 'flow@example.com', password: 'Reset-Pass-77' }, headers: acme })).status).toBe(200);
    // The same address in another tenant is another account.
    expect((await gw.call('/token', { json: { email: 'flow@example.com', password: 'Reset-Pass-77' }, headers: { 'X-Tenant-ID': 'globex' } })).status).toBe(401);
  });

  it('one reset link used 20 times at once takes effect once: one 200, nineteen refusals, one password', async () => {
    await signUp(gw, 'race@example.com', STRONG_PASSWORD, acme);
    await gw.call('/reset-password', { json: { email: 'race@example.com' }, headers: acme });
    const reset = tokenOf((await gw.mail.next('race@example.com', 'Reset your password')).link);
    const uses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => gw.call('/verify-email', { json: { token: reset, password: `Race-Pass-${i}!` }, headers: acme })),
    );
    const statuses = uses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(19);
    const winner = statuses.indexOf(200);
    expect((await gw.call('/token', { json: { email: 'race@example.com', password: `Race-Pass-${winner}!` }, headers: acme })).status).toBe(200);
    expect(gw.mail.mails.filter((m) => m.to === 'race@example.com' && m.subject === 'Your password was changed')).toHaveLength(1);
  });

  it('logout revokes every refresh token of the user (all devices), and a new login works', async () => {
    const { tokens: phone } = await signUp(gw, 'logout@example.com', STRONG_PASSWORD, acme);
    const laptop = (await (await gw.call('/token', { json: { email: 'logout@example.com', password: STRONG_PASSWORD }, headers: acme })).json()) as {
      refresh_token: string;
    };
    const logout = await gw.call('/logout', { json: { refresh_token: phone.refresh_token }, headers: acme });
    expect(await logout.json()).toEqual({ refresh_tokens_revoked: true });
    for (const token of [phone.refresh_token, laptop.refresh_token]) {
      expect((await gw.call('/refresh', { json: { refresh_token: token }, headers: acme })).status).toBe(401);
    }
    const again = (await (await gw.call('/token', { json: { email: 'logout@example.com', password: STRONG_PASSWORD }, headers: acme })).json()) as {
      refresh_token: string;
    };
    expect((await gw.call('/refresh', { json: { refresh_token: again.refresh_token }, headers: acme })).status).toBe(200);
  });

  it('created the INITIAL_USER admin in its tenant, and invitations work', async () => {
    const login = await gw.call('/token', { json: { email: 'root@example.com', password: 'Admin-Pass-123!' }, headers: acme });
    expect(login.status).toBe(200);
    const { access_token } = (await login.json()) as { access_token: string };
    expect((await gw.call('/invite', { json: { email: 'inv@example.com', role: 'editor' }, bearer: access_token, headers: acme })).status).toBe(200);
    const token = tokenOf((await gw.mail.next('inv@example.com')).link);
    const accept = await gw.call('/verify-email', { json: { token, password: STRONG_PASSWORD }, headers: acme });
    expect(await accept.json()).toMatchObject({ user: { role: 'editor', tenant_id: 'acme' } });
  });

  it('reports the backend on /readyz', async () => {
    expect(await (await readyz()).json()).toEqual({ status: 'ok', backend: name });
  });

  if (name === 'hasura' || name === 'http') {
    const fault = (kind: 'slow' | 'garbage' | 'down') => (store.fault as NonNullable<Store['fault']>)(kind);
    it.each([
      ['slow', 504, 'backend_timeout'],
      ['garbage', 502, 'backend_error'],
      ['down', 503, 'backend_unavailable'],
    ] as const)('a %s backend is a clean %i JSON error, /readyz says so, and the gateway recovers', async (kind, status, error) => {
      const before = await gw.call('/token', { json: { email: 'flow@example.com', password: 'Reset-Pass-77' }, headers: acme });
      const { refresh_token } = (await before.json()) as { refresh_token: string };
      const undo = await fault(kind);
      try {
        const response = await gw.call('/token', { json: { email: 'flow@example.com', password: 'Reset-Pass-77' }, headers: acme });
        expect(response.status).toBe(status);
        expect(await response.json()).toEqual({ error, message: expect.any(String) });
        // A logout the store cannot carry out says so; it never claims a revocation.
        const logout = await gw.call('/logout', { json: { refresh_token }, headers: acme });
        expect(logout.status).toBe(status);
        expect(await logout.json()).toEqual({ error, message: expect.any(String) });
        expect((await readyz()).status).toBe(503);
        expect((await gw.call('/healthz')).status).toBe(200);
        const signup = await gw.call('/verify-email', { json: { token: 'x.y.z' }, headers: acme });
        expect(signup.status).toBe(401); // token checks need no backend
      } finally {
        await undo();
      }
      expect((await gw.call('/token', { json: { email: 'flow@example.com', password: 'Reset-Pass-77' }, headers: acme })).status).toBe(200);
      expect((await readyz()).status).toBe(200);
      // Nothing was revoked by the failed logout: the token still refreshes.
      expect((await gw.call('/refresh', { json: { refresh_token }, headers: acme })).status).toBe(200);
    });
  }
});

describe('a Postgres server that is not there', () => {
  it('at start: the start waits up to STARTUP_TIMEOUT, then fails naming POSTGRES_DSN and the cause (never the password)', async () => {
    const failed = await startGateway({ AUTH_BACKEND: 'postgres', POSTGRES_DSN: 'postgres://u:secret-pw@127.0.0.1:1/db', BACKEND_TIMEOUT: '300ms', STARTUP_TIMEOUT: '1s' }).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failed?.message).toMatch(/^the postgres backend did not answer within STARTUP_TIMEOUT \(1 s\): POSTGRES_DSN: connection refused at 127\.0\.0\.1:1/);
    expect(failed?.message).not.toContain('secret-pw');
  });

  it('coming up after the gateway (a compose file): the start waits for it; going away later: 503 JSON and /readyz 503, never a crash', async () => {
    const url = new URL(await createDatabase(MIGRATED_SCHEMA));
    const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port) });
    proxy.hangUp();
    url.host = `127.0.0.1:${proxy.port}`;
    const clock = movableClock();
    const starting = startGateway({ AUTH_BACKEND: 'postgres', POSTGRES_DSN: url.toString(), BACKEND_TIMEOUT: '800ms', STARTUP_TIMEOUT: '30s' }, { clock });
    let gw: TestGateway | undefined;
    try {
      let started = false;
      void starting.then(() => (started = true), () => {});
      // The database hangs up on the gateway's first attempts, and the start waits; then it is there.
      await proxy.arrivals(2);
      expect(started).toBe(false);
      await proxy.resume();
      gw = await starting;
      expect((await gw.call('/readyz')).status).toBe(200);
      await proxy.pause();
      const response = await gw.call('/token', { json: { email: 'a@example.com', password: STRONG_PASSWORD } });
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ error: 'backend_unavailable' });
      clock.advance(READINESS_TTL_MS); // past the last probe's answer
      const readiness = await gw.call('/readyz');
      expect(readiness.status).toBe(503);
      expect(await readiness.json()).toMatchObject({ status: 'unavailable', failing: 'backend' });
    } finally {
      await proxy.resume();
      await (gw ?? (await starting.catch(() => undefined)))?.close();
      await proxy.close();
    }
  });
});
