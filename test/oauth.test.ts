import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ListeningGateway, signUp, startGateway, STRONG_PASSWORD, testApp } from './fixtures.js';
import { startOAuthProvider } from './fakes.js';

type Provider = Awaited<ReturnType<typeof startOAuthProvider>>;
let google: Provider;
let github: Provider;
let gw: ListeningGateway;

beforeAll(async () => {
  google = await startOAuthProvider('google', { id: 'g-client', secret: 'g-secret' });
  github = await startOAuthProvider('github', { id: 'gh-client', secret: 'gh-secret' });
  gw = await startGateway({
    OAUTH_PROVIDERS: 'google,github',
    ...google.env,
    ...github.env,
    ALLOWED_REDIRECT_ORIGINS: 'https://app.example.com',
    OAUTH_TIMEOUT: '1s',
  });
});
afterAll(async () => {
  await gw.close();
  await google.close();
  await github.close();
});

interface Started {
  authorizationUrl: URL;
  cookie: string;
  setCookie: string;
}

async function start(provider: string, query = 'redirect_url=https://app.example.com/signed-in'): Promise<Started> {
  const response = await gw.call(`/oauth/${provider}?${query}`, { redirect: 'manual' });
  expect(response.status).toBe(302);
  const setCookie = response.headers.get('set-cookie') ?? '';
  return { authorizationUrl: new URL(response.headers.get('location') ?? ''), cookie: setCookie.split(';')[0] ?? '', setCookie };
}

async function callback(provider: string, params: Record<string, string>, cookie: string) {
  const response = await gw.call(`/oauth/${provider}/callback?${new URLSearchParams(params)}`, { redirect: 'manual', headers: { cookie } });
  const location = response.headers.get('location');
  const fragment = location ? new URLSearchParams(new URL(location).hash.slice(1)) : undefined;
  return { response, location, fragment };
}

async function signInWith(provider: 'google' | 'github', user: { email: string; verified: boolean }, query?: string) {
  const started = await start(provider, query);
  const code = (provider === 'google' ? google : github).consent(started.authorizationUrl, user);
  return { started, code, ...(await callback(provider, { code, state: started.authorizationUrl.searchParams.get('state') ?? '' }, started.cookie)) };
}

const countUsers = async (email: string, tenant: string | null = null) => ((await gw.deps.backend.findByEmail(email, tenant)) ? 1 : 0);

describe('OAuth start', () => {
  it('redirects to the provider with state, PKCE S256 and our callback, in a signed HttpOnly cookie', async () => {
    const { authorizationUrl, setCookie } = await start('google');
    expect(authorizationUrl.origin + authorizationUrl.pathname).toBe(`${google.url}/o/oauth2/v2/auth`);
    expect(authorizationUrl.searchParams.get('client_id')).toBe('g-client');
    expect(authorizationUrl.searchParams.get('redirect_uri')).toBe('http://localhost:9000/oauth/google/callback');
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizationUrl.searchParams.get('scope')).toBe('openid email profile');
    expect(authorizationUrl.searchParams.get('state')?.length).toBeGreaterThan(20);
    expect(setCookie).toMatch(/^authura_oauth_google=[^;]+;/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Path=\/oauth\/google/);
    expect(setCookie).toMatch(/Max-Age=600/);
    // Neither the state nor the verifier is readable in the cookie without the signature key… but
    // the verifier must never reach the provider's URL.
    expect(authorizationUrl.toString()).not.toContain('code_verifier');
  });

  it('refuses a redirect_url outside the allowlist and an unknown provider', async () => {
    const bad = await gw.call('/oauth/google?redirect_url=https://evil.example/x', { redirect: 'manual' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_redirect_url' });
    expect((await gw.call('/oauth/facebook', { redirect: 'manual' })).status).toBe(404);
  });
});

describe.each(['google', 'github'] as const)('OAuth with %s', (provider) => {
  it('signs a new user in: tokens in the fragment of the allowed redirect, the account created verified', async () => {
    const email = `new-${provider}@example.com`;
    const { response, location, fragment } = await signInWith(provider, { email, verified: true });
    expect(response.status).toBe(302);
    expect(location?.startsWith('https://app.example.com/signed-in#')).toBe(true);
    expect(new URL(location ?? '').search).toBe(''); // nothing in the query, which servers log
    expect(response.headers.get('set-cookie')).toMatch(/authura_oauth_\w+=;.*Max-Age=0/i);
    expect(fragment?.get('token_type')).toBe('Bearer');
    const me = await gw.call('/user', { bearer: fragment?.get('access_token') ?? '' });
    expect(await me.json()).toMatchObject({ user: { email, role: 'user' } });
    expect((await gw.call('/refresh', { json: { refresh_token: fragment?.get('refresh_token') } })).status).toBe(200);
    // A second sign-in finds the same account.
    const again = await signInWith(provider, { email, verified: true });
    const claimsA = JSON.parse(Buffer.from((fragment?.get('access_token') ?? '').split('.')[1] ?? '', 'base64url').toString());
    const claimsB = JSON.parse(Buffer.from((again.fragment?.get('access_token') ?? '').split('.')[1] ?? '', 'base64url').toString());
    expect(claimsB.sub).toBe(claimsA.sub);
    // A federated first factor.
    expect(claimsA.amr).toEqual(['fed']);
    expect(Number.isInteger(claimsA.auth_time)).toBe(true);
  });

  it('refuses an email the provider has not verified, and creates nothing', async () => {
    const email = `unverified-${provider}@example.com`;
    const { fragment } = await signInWith(provider, { email, verified: false });
    expect(fragment?.get('error')).toBe('email_not_verified');
    expect(fragment?.has('access_token')).toBe(false);
    expect(await countUsers(email)).toBe(0);
  });

  it('a replayed callback (same cookie, same code) is refused', async () => {
    const email = `replay-${provider}@example.com`;
    const first = await signInWith(provider, { email, verified: true });
    expect(first.fragment?.has('access_token')).toBe(true);
    const replay = await callback(provider, { code: first.code, state: first.started.authorizationUrl.searchParams.get('state') ?? '' }, first.started.cookie);
    expect(replay.fragment?.get('error')).toBe('access_denied');
    expect(replay.fragment?.has('access_token')).toBe(false);
  });

  it('a state that does not match, a missing or forged cookie: 400 JSON, no user', async () => {
    const started = await start(provider);
    const code = (provider === 'google' ? google : github).consent(started.authorizationUrl, { email: `forged-${provider}@example.com`, verified: true });
    const state = started.authorizationUrl.searchParams.get('state') ?? '';
    for (const [params, cookie] of [
      [{ code, state: `${state}x` }, started.cookie],
      [{ code, state }, ''],
      [{ code, state }, `authura_oauth_${provider}=eyJhbGciOiJIUzI1NiJ9.eyJzdGF0ZSI6IngifQ.AAAA`],
      [{ code, state }, started.cookie.replace(`authura_oauth_${provider}`, `authura_oauth_${provider === 'google' ? 'github' : 'google'}`)],
    ] as const) {
      const { response } = await callback(provider, params, cookie);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_oauth_state' });
    }
    expect(await countUsers(`forged-${provider}@example.com`)).toBe(0);
  });

  it('a denied consent and a failing provider come back as errors in the fragment, no user', async () => {
    const started = await start(provider);
    const state = started.authorizationUrl.searchParams.get('state') ?? '';
    const denied = await callback(provider, { error: 'access_denied', state }, started.cookie);
    expect(denied.fragment?.get('error')).toBe('access_denied');

    const p = provider === 'google' ? google : github;
    for (const fault of ['tokenStatus', 'userStatus'] as const) {
      p.faults[fault] = 503;
      try {
        const email = `down-${provider}-${fault}@example.com`;
        const { fragment } = await signInWith(provider, { email, verified: true });
        expect(fragment?.get('error')).toBe('temporarily_unavailable');
        expect(await countUsers(email)).toBe(0);
      } finally {
        p.faults[fault] = 0;
      }
    }
  });
});

describe('OAuth and existing accounts', () => {
  it('an unverified row the provider proves is taken over safely: its password replaced, its owner told', async () => {
    // Someone registered the victim's address before them (unverified), with a password of theirs.
    const planted = await gw.deps.backend.create({
      email: 'early@example.com',
      role: 'user',
      password: await gw.deps.hasher.hash('Planted-Pass-1!'),
      tenant_id: null,
      verified_at: null,
    });
    const { fragment } = await signInWith('google', { email: 'early@example.com', verified: true });
    expect(fragment?.has('access_token')).toBe(true);
    const now = await gw.deps.backend.findById(planted.id, null);
    expect(now?.verified_at).not.toBeNull();
    expect(now?.password).not.toBe(planted.password);
    expect(now?.session_version).toBe((planted.session_version ?? 0) + 1);
    // Whoever planted the row cannot log in with its password.
    expect((await gw.call('/token', { json: { email: 'early@example.com', password: 'Planted-Pass-1!' } })).status).toBe(401);
    const notice = await gw.mail.next('early@example.com', 'Your password was changed');
    expect(notice.text).toContain('signed in with Google');
  });

  it('links to an existing password account with the same email', async () => {
    const { user } = await signUp(gw, 'both@example.com');
    const { fragment } = await signInWith('google', { email: 'Both@Example.com', verified: true });
    const claims = JSON.parse(Buffer.from((fragment?.get('access_token') ?? '').split('.')[1] ?? '', 'base64url').toString());
    expect(claims.sub).toBe(String(user.id));
    expect((await gw.call('/token', { json: { email: 'both@example.com', password: STRONG_PASSWORD } })).status).toBe(200);
  });

  it('respects SIGNUP_DISABLED for first-time sign-ins only; tenants come from the start', async () => {
    const closed = await testApp({
      OAUTH_PROVIDERS: 'github',
      ...github.env,
      SIGNUP_DISABLED: 'true',
      MULTI_TENANT_ENABLED: 'true',
      INITIAL_USER_EMAIL: 'boss@example.com',
      INITIAL_USER_PASSWORD: 'Admin-Pass-123!',
      INITIAL_USER_TENANT_ID: 'acme',
    });
    try {
      const begin = async (query: string) => {
        const r = await closed.call(`/oauth/github?${query}`, { redirect: 'manual' });
        return { url: new URL(r.headers.get('location') ?? ''), cookie: (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '' };
      };
      const finish = async (s: { url: URL; cookie: string }, email: string) => {
        const code = github.consent(s.url, { email, verified: true });
        const r = await closed.call(`/oauth/github/callback?code=${code}&state=${s.url.searchParams.get('state')}`, { redirect: 'manual', headers: { cookie: s.cookie } });
        return new URLSearchParams(new URL(r.headers.get('location') ?? '').hash.slice(1));
      };
      expect((await finish(await begin('tenant=acme'), 'stranger@example.com')).get('error')).toBe('signup_disabled');
      const boss = await finish(await begin('tenant=acme'), 'boss@example.com');
      const claims = JSON.parse(Buffer.from((boss.get('access_token') ?? '').split('.')[1] ?? '', 'base64url').toString());
      expect(claims).toMatchObject({ email: 'boss@example.com', role: 'admin', tid: 'acme' });
      // The same address in another tenant is another (absent) account.
      expect((await finish(await begin('tenant=globex'), 'boss@example.com')).get('error')).toBe('signup_disabled');
      expect((await closed.call('/oauth/github', { redirect: 'manual' })).status).toBe(400);
    } finally {
      await closed.close();
    }
  });

  it('with cookie-only delivery, sets the token cookies and keeps the tokens out of the fragment', async () => {
    const jar = await testApp({ OAUTH_PROVIDERS: 'github', ...github.env, TOKEN_DELIVERY: 'cookie' });
    try {
      const started = await jar.call('/oauth/github', { redirect: 'manual' });
      const url = new URL(started.headers.get('location') ?? '');
      const code = github.consent(url, { email: 'jar-oauth@example.com', verified: true });
      const back = await jar.call(`/oauth/github/callback?code=${code}&state=${url.searchParams.get('state')}`, {
        redirect: 'manual',
        headers: { cookie: (started.headers.get('set-cookie') ?? '').split(';')[0] ?? '' },
      });
      expect(Object.fromEntries(new URLSearchParams(new URL(back.headers.get('location') ?? '').hash.slice(1)))).toEqual({
        token_type: 'Bearer',
        expires_in: '300',
      });
      const access = back.headers.getSetCookie().find((c) => c.startsWith('authura_access_token='));
      expect(access).toMatch(/HttpOnly/);
      const me = await jar.call('/user', { headers: { cookie: (access ?? '').split(';')[0] ?? '' } });
      expect(await me.json()).toMatchObject({ user: { email: 'jar-oauth@example.com' } });
    } finally {
      await jar.close();
    }
  });
});
