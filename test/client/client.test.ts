// The typed client in Node against a running gateway (a real socket, a real SMTP server): every
// kind of call, typed errors, the tenant header, and the token keeper on an injected clock.
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  type AuthuraClient,
  type AuthuraClientOptions,
  AuthuraError,
  createAuthuraClient,
  type ErrorCode,
  isAuthuraError,
  memoryStore,
  type OperationError,
  type Operations,
  type Tokens,
} from '../../client/src/index.js';
import { errorFromResponse } from '../../client/src/errors.js';
import { TRANSPORT_ERRORS } from '../../src/core/errors.js';
import { type ListeningGateway, movableClock, STRONG_PASSWORD, startGateway, tokenOf } from '../fixtures.js';
import { freePort } from '../helpers/ports.js';

const gatewayClock = movableClock();
let gw: ListeningGateway;
let cookieGw: ListeningGateway;

beforeAll(async () => {
  [gw, cookieGw] = await Promise.all([
    startGateway(
      { MULTI_TENANT_ENABLED: 'true', MFA_ENABLED: 'true', MFA_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64'), PASSWORDLESS_ENABLED: 'true' },
      { clock: gatewayClock },
    ),
    startGateway({ TOKEN_DELIVERY: 'cookie', ALLOWED_ORIGINS: 'https://app.example.com' }),
  ]);
});
afterAll(async () => {
  await Promise.all([gw?.close(), cookieGw?.close()]);
});

/** A timer the test fires by hand, and a clock it moves: no waiting, no wall clock. */
function manualClock(start = 1_000_000) {
  let now = start;
  const timers: Array<{ at: number; run: () => void; cancelled: boolean }> = [];
  return {
    now: () => now,
    setTimer(run: () => void, ms: number) {
      const timer = { at: now + ms, run, cancelled: false };
      timers.push(timer);
      return () => {
        timer.cancelled = true;
      };
    },
    /** The time the pending timer is set for. */
    get pending(): number | undefined {
      return timers.filter((t) => !t.cancelled).at(-1)?.at;
    },
    /** Moves to the pending timer and runs it. */
    fire() {
      const timer = timers.filter((t) => !t.cancelled).at(-1);
      if (!timer) throw new Error('no timer is set');
      timer.cancelled = true;
      now = Math.max(now, timer.at);
      timer.run();
    },
    advance(ms: number) {
      now += ms;
    },
  };
}

/** A client of `gateway` whose calls are counted by path. */
function counted(gateway: ListeningGateway, options: Partial<AuthuraClientOptions> = {}) {
  const calls: string[] = [];
  const client = createAuthuraClient({
    baseUrl: gateway.url,
    fetch: (input, init) => {
      calls.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
      return fetch(input, init);
    },
    ...options,
  });
  return { client, calls, count: (call: string) => calls.filter((c) => c === call).length };
}

/** Signs `email` up through the client (a real mail carries the link); the client keeps the session. */
async function signUpWith(client: AuthuraClient, email: string) {
  expect(await client.signup({ email })).toEqual({});
  const mail = await gw.mail.next(email);
  const answer = await client.verifyEmail({ token: tokenOf(mail.link), password: STRONG_PASSWORD });
  if (!('tokens' in answer)) throw new Error('a signup link answers tokens');
  return answer;
}

const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('the call succeeded');
    },
    (error: unknown) => {
      if (!(error instanceof AuthuraError)) throw error;
      return error;
    },
  );

describe('the client, in Node, against a running gateway', () => {
  it('signs up in a tenant, keeps the session, reads the user; the tenant header decides whose account a login finds', async () => {
    const { client } = counted(gw, { tenant: 'acme' });
    const verified = await signUpWith(client, 'client-flow@example.com');
    expect(verified.user).toMatchObject({ email: 'client-flow@example.com', tenant_id: 'acme' });
    expect(client.session.state?.accessToken).toBe(verified.tokens.access_token);
    expect((await client.user()).user).toMatchObject({ email: 'client-flow@example.com', tenant_id: 'acme' });

    const elsewhere = await errorOf(client.token({ email: 'client-flow@example.com', password: STRONG_PASSWORD }, { tenant: 'globex' }));
    expect([elsewhere.code, elsewhere.status]).toEqual(['invalid_credentials', 401]);
    const noTenant = await errorOf(client.token({ email: 'client-flow@example.com', password: STRONG_PASSWORD }, { tenant: null }));
    expect(noTenant.code).toBe('tenant_required');

    const invalid = await errorOf(client.token({ email: 'not an address', password: 'x' }));
    expect(invalid.code).toBe('validation_failed');
    expect(invalid.body.issues?.[0]?.path).toBe('email');

    // /change-password answers new tokens: the keeper takes them.
    const before = client.session.state;
    await client.changePassword({ old_password: STRONG_PASSWORD, new_password: 'Another-Horse-8' });
    expect(client.session.state?.refreshToken).not.toBe(before?.refreshToken);
    expect((await client.user()).user.email).toBe('client-flow@example.com');

    const held = client.session.state?.refreshToken;
    expect(await client.logout()).toEqual({ refresh_tokens_revoked: true });
    expect(client.session.state).toBeNull();
    const replay = await errorOf(client.refresh({ refresh_token: held ?? '' }));
    expect(replay.code).toBe('invalid_token');
    expect(replay.body.error_description).toBeTypeOf('string');
  });

  it('mfa_required is a typed error carrying the mfa token; mfaVerify finishes the sign-in and the session is kept', async () => {
    const { client } = counted(gw, { tenant: 'acme' });
    await signUpWith(client, 'client-mfa@example.com');
    const { secret } = await client.mfaEnroll();
    const code = () => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: gatewayClock.now() });
    const { recovery_codes } = await client.mfaConfirm({ code: code() });
    expect(recovery_codes).toHaveLength(10);
    client.session.clear();

    const held = await errorOf(client.token({ email: 'client-mfa@example.com', password: STRONG_PASSWORD }));
    if (!isAuthuraError(held, 'mfa_required')) throw held;
    expect(held.status).toBe(403);
    expect(held.body.methods).toEqual(['totp', 'recovery_code']);
    expect(client.session.state).toBeNull();
    gatewayClock.advance(30_000);
    await client.mfaVerify({ mfa_token: held.mfaToken ?? '', code: code() });
    expect((await client.user()).user.email).toBe('client-mfa@example.com');
  });

  it('reauthentication_required once the sign-in is old; an access token the gateway refuses is refreshed once and the call retried', async () => {
    const first = counted(gw, { tenant: 'acme' });
    const { tokens } = await signUpWith(first.client, 'client-reauth@example.com');
    gatewayClock.advance(3_600_000);
    // A client holding a refresh token and an access token the gateway refuses (its signature broken).
    const store = memoryStore();
    store.set({ accessToken: `${tokens.access_token}x`, refreshToken: tokens.refresh_token, expiresAt: Date.now() + 300_000 });
    const { client, count } = counted(gw, { tenant: 'acme', store });
    const stale = await errorOf(client.changeEmail({ email: 'client-reauth-2@example.com' }));
    expect(stale.code).toBe('reauthentication_required');
    expect(count('POST /refresh')).toBe(1);
    expect(count('POST /change-email')).toBe(2);
    expect(client.session.state?.accessToken).not.toBe(`${tokens.access_token}x`);
  });

  it('cookie delivery: the session lives in cookies (the client keeps only its lifetime); a call from another site is cross_site_request', async () => {
    const { client } = counted(cookieGw, { delivery: 'cookie' });
    const signup = await cookieGw.call('/signup', { json: { email: 'client-cookie@example.com' } });
    expect(signup.status).toBe(200);
    const token = tokenOf((await cookieGw.mail.next('client-cookie@example.com')).link);
    const verified = await client.verifyEmail({ token, password: STRONG_PASSWORD });
    expect('tokens' in verified && verified.tokens).toEqual({ token_type: 'Bearer', expires_in: 300 });
    expect(client.session.state).toEqual({ expiresAt: expect.any(Number) });
    const evil = await errorOf(client.token({ email: 'client-cookie@example.com', password: STRONG_PASSWORD }, { headers: { origin: 'https://evil.example' } }));
    expect([evil.code, evil.status]).toEqual(['cross_site_request', 403]);
  });

  it('errors the client reports itself: the network, a transport refusal, a webhook refusal, a failed OAuth return', async () => {
    const port = await freePort();
    const offline = createAuthuraClient({ baseUrl: `http://127.0.0.1:${port}` });
    const down = await errorOf(offline.health());
    expect([down.code, down.status]).toEqual(['network_error', 0]);
    for (const [code, { status, message }] of Object.entries(TRANSPORT_ERRORS)) {
      expect((await errorFromResponse(Response.json({ error: code, message }, { status }))).code).toBe(code);
    }
    expect((await errorFromResponse(Response.json({ reason: 'blocked domain' }, { status: 422 }))).code).toBe('hook_refused');
    expect((await errorFromResponse(new Response('<html>', { status: 502 }))).code).toBe('unexpected_response');
    let failed: AuthuraError | undefined;
    try {
      offline.completeOAuth('#error=access_denied&error_description=No');
    } catch (error) {
      failed = error as AuthuraError;
    }
    expect([failed?.code, failed?.body.error]).toEqual(['oauth_failed', 'access_denied']);
    expect(offline.oauthUrl('github', { redirect_url: 'https://app.example.com/done' })).toBe(`http://127.0.0.1:${port}/oauth/github?redirect_url=https%3A%2F%2Fapp.example.com%2Fdone`);
  });
});

describe('the types (checked by npm run typecheck)', () => {
  it("each method takes its route's body and answers its answer; its errors are the route's codes", () => {
    expectTypeOf<Parameters<AuthuraClient['token']>[0]>().toExtend<{ email?: string; password?: string }>();
    expectTypeOf<Awaited<ReturnType<AuthuraClient['user']>>['user']['email']>().toEqualTypeOf<string>();
    expectTypeOf<Parameters<AuthuraClient['renamePasskey']>[0]>().toEqualTypeOf<{ id: string }>();
    expectTypeOf<'mfa_required'>().toExtend<Operations['token']['errors']>();
    expectTypeOf<'reauthentication_required'>().toExtend<Operations['changeEmail']['errors']>();
    expectTypeOf<'cross_site_request'>().toExtend<Operations['refresh']['errors']>();
    expectTypeOf<Operations['signup']['errors']>().toExtend<ErrorCode>();
    expectTypeOf<OperationError<'token'>['code']>().toExtend<ErrorCode | 'network_error' | 'unexpected_response' | 'hook_refused' | 'oauth_failed' | 'bad_request' | 'request_timeout' | 'headers_too_large'>();
    // @ts-expect-error — a field /signup does not take
    expectTypeOf<Parameters<AuthuraClient['signup']>[0]>().toExtend<{ password: string }>();
  });
});

describe('the token keeper', () => {
  it('refreshes leeway seconds before expiry, on its timer, and sets the next one', async () => {
    const clock = manualClock();
    const { client, count } = counted(gw, { tenant: 'acme', clock, refreshLeewaySeconds: 20 });
    const { tokens } = await signUpWith(client, 'client-timer@example.com');
    expect(clock.pending).toBe(clock.now() + (tokens.expires_in - 20) * 1000);
    const changes: unknown[] = [];
    client.session.onChange((state) => changes.push(state));
    clock.fire();
    await expect.poll(() => count('POST /refresh')).toBe(1);
    await expect.poll(() => changes.length).toBe(1);
    expect(client.session.state?.accessToken).not.toBe(tokens.access_token);
    expect(clock.pending).toBe(clock.now() + (tokens.expires_in - 20) * 1000);
  });

  it('one refresh for many callers at once; a call with a due token refreshes it first', async () => {
    const clock = manualClock();
    const { client, count } = counted(gw, { tenant: 'acme', clock, autoRefresh: false });
    await signUpWith(client, 'client-burst@example.com');
    clock.advance(290_000);
    const answers = await Promise.all([client.user(), client.user(), client.user(), client.refresh(), client.session.accessToken()]);
    expect(answers).toHaveLength(5);
    expect(count('POST /refresh')).toBe(1);
    expect(count('GET /user')).toBe(3);
  });

  it('a session the gateway ended is cleared (logout on another device), and listeners hear it', async () => {
    const clock = manualClock();
    const phone = counted(gw, { tenant: 'acme', clock });
    await signUpWith(phone.client, 'client-ended@example.com');
    const laptop = createAuthuraClient({ baseUrl: gw.url, tenant: 'acme', store: memoryStore(), autoRefresh: false });
    await laptop.token({ email: 'client-ended@example.com', password: STRONG_PASSWORD });
    await laptop.logout();
    const heard: unknown[] = [];
    phone.client.session.onChange((state) => heard.push(state));
    clock.fire();
    await expect.poll(() => heard).toEqual([null]);
    expect(phone.client.session.state).toBeNull();
    expect(clock.pending).toBeUndefined();
    const after = await errorOf(phone.client.user());
    expect(after.code).toBe('unauthorized');
  });

  it('keeps what an OAuth return carries; an OAuth return held back for a second factor is mfa_required', () => {
    const clock = manualClock();
    const client = createAuthuraClient({ baseUrl: gw.url, clock });
    const tokens: Tokens = client.completeOAuth('#access_token=a.b.c&refresh_token=d.e.f&token_type=Bearer&expires_in=300');
    expect(tokens).toEqual({ access_token: 'a.b.c', refresh_token: 'd.e.f', token_type: 'Bearer', expires_in: 300 });
    expect(client.session.state).toEqual({ accessToken: 'a.b.c', refreshToken: 'd.e.f', expiresAt: clock.now() + 300_000 });
    expect(() => client.completeOAuth('#error=mfa_required&mfa_token=m.f.a')).toThrow(expect.objectContaining({ code: 'mfa_required', mfaToken: 'm.f.a' }));
  });
});
