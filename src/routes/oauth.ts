import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { safeEqual } from '../safe-equal.js';
import { BackendError } from '../backends/types.js';
import type { Deps } from '../deps.js';
import type { AppEnv } from '../http/context.js';
import { AppError, HookRefusal } from '../http/errors.js';
import { emailField } from '../http/fields.js';
import { resolveRedirect } from '../http/redirect.js';
import { deliverTokens } from '../http/token-delivery.js';
import { resolveTenant } from '../http/tenant.js';
import { errorFields } from '../logger.js';
import { OAuthError } from '../oauth/errors.js';
import type { OAuthProvider } from '../oauth/provider.js';
import { OAUTH_STATE_TTL } from '../tokens/token-service.js';
import { createUser, issueTokens, now, unguessablePassword, updateUser, withHookData, hashNewPassword } from '../users/users.js';

const cookieName = (provider: string) => `authura_oauth_${provider}`;

/** Sign-in failures after the state checked out: sent back to the app in the URL fragment. */
class FlowFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * GET /oauth/{provider} starts a sign-in; GET /oauth/{provider}/callback finishes it and sends
 * the browser to the allowed redirect URL with the tokens in the URL fragment (never sent to
 * a server, never in an access log). State and PKCE verifier travel in a signed, HttpOnly,
 * SameSite=Lax cookie scoped to the provider's path: nothing is stored.
 */
export function oauthRoutes(deps: Deps): Hono<AppEnv> {
  const { config, backend, tokens, logger } = deps;
  const providers = deps.oauthProviders;
  const app = new Hono<AppEnv>();
  if (providers.size === 0) return app;
  const secure = config.urls.external.startsWith('https://');
  // A browser link cannot send the tenant header: the start may name the tenant in the query.
  const tenant = resolveTenant(config.tenancy, { queryParam: 'tenant' });

  const providerOf = (c: Context<AppEnv>): OAuthProvider => {
    const provider = providers.get(c.req.param('provider') ?? '');
    if (!provider) throw new AppError('not_found', `No OAuth provider "${c.req.param('provider')}" is configured`);
    return provider;
  };

  app.get('/oauth/:provider', tenant, async (c) => {
    const provider = providerOf(c);
    const redirect = resolveRedirect(config.urls, c.req.query('redirect_url'));
    const { state, codeVerifier } = provider.newFlow();
    const tenantId = c.get('tenantId');
    const flow = { provider: provider.name, state, codeVerifier, redirect: redirect.toString(), ...(tenantId ? { tid: tenantId } : {}) };
    setCookie(c, cookieName(provider.name), await tokens.signOAuthFlow(flow), {
      httpOnly: true,
      secure,
      sameSite: 'Lax',
      path: `/oauth/${provider.name}`,
      maxAge: OAUTH_STATE_TTL,
    });
    return c.redirect(provider.authorizationUrl(state, codeVerifier).toString(), 302);
  });

  app.get('/oauth/:provider/callback', async (c) => {
    const provider = providerOf(c);
    const raw = getCookie(c, cookieName(provider.name));
    // One use: the cookie goes whatever happens next, so a replayed callback finds nothing.
    deleteCookie(c, cookieName(provider.name), { path: `/oauth/${provider.name}`, secure, httpOnly: true, sameSite: 'Lax' });
    const badState = new AppError('invalid_oauth_state', 'The sign-in expired or was not started here: start again');
    if (!raw) throw badState;
    const flow = await tokens.verifyOAuthFlow(raw).catch(() => {
      throw badState;
    });
    const state = c.req.query('state') ?? '';
    if (flow.provider !== provider.name || !safeEqual(state, flow.state)) throw badState;

    const redirect = new URL(flow.redirect);
    try {
      const issued = await signIn(provider, c.req.query('code'), c.req.query('error'), flow.codeVerifier, flow.tid ?? null);
      deps.audit.record(c, 'oauth_login', { detail: provider.name });
      // Cookie delivery sets the cookies here; the fragment carries what a JSON body would.
      const tokensForApp = deliverTokens(c, config, issued);
      return c.redirect(withFragment(redirect, { ...tokensForApp, expires_in: String(tokensForApp.expires_in) }), 302);
    } catch (error) {
      const failure = asFailure(error);
      logger.warn('oauth sign-in failed', { requestId: c.get('requestId'), provider: provider.name, code: failure.code, error: errorFields(error) });
      return c.redirect(withFragment(redirect, { error: failure.code, error_description: failure.message }), 302);
    }
  });

  async function signIn(provider: OAuthProvider, code: string | undefined, denied: string | undefined, verifier: string, tenantId: string | null) {
    if (denied !== undefined) throw new FlowFailure('access_denied', 'The sign-in was cancelled at the provider');
    if (!code) throw new FlowFailure('invalid_request', 'The provider sent no authorization code');
    const identity = await provider.identity(await provider.exchange(code, verifier));
    if (!identity.emailVerified) throw new FlowFailure('email_not_verified', 'The provider has not verified this email address');
    const email = emailField.safeParse(identity.email);
    if (!email.success) throw new FlowFailure('invalid_email', 'The provider returned an unusable email address');

    const existing = await backend.findByEmail(email.data, tenantId);
    let result;
    if (existing) {
      // The provider proved the address: an unverified account becomes verified.
      result = existing.verified_at === null ? await updateUser(deps, existing, { verified_at: now() }) : await withHookData(deps, existing);
      if (!result) throw new FlowFailure('server_error', 'The account changed during sign-in: try again');
    } else {
      if (config.signupDisabled) throw new FlowFailure('signup_disabled', 'Self-service signup is disabled');
      const password = await hashNewPassword(deps, unguessablePassword());
      result = await createUser(deps, { email: email.data, role: config.roles.default, password, tenant_id: tenantId, verified_at: now() });
    }
    return issueTokens(deps, result);
  }

  return app;
}

function asFailure(error: unknown): FlowFailure {
  if (error instanceof FlowFailure) return error;
  if (error instanceof OAuthError) {
    return error.code === 'denied'
      ? new FlowFailure('access_denied', 'The provider did not accept the sign-in')
      : new FlowFailure('temporarily_unavailable', 'The provider could not be reached: try again later');
  }
  if (error instanceof HookRefusal) return new FlowFailure('access_denied', 'The sign-in was refused');
  if (error instanceof BackendError || error instanceof AppError) {
    return new FlowFailure('temporarily_unavailable', 'The sign-in could not be completed: try again later');
  }
  return new FlowFailure('server_error', 'The sign-in failed');
}

/** `redirect` with `params` as its fragment, which browsers never send to a server. */
function withFragment(redirect: URL, params: Record<string, string>): string {
  const url = new URL(redirect);
  url.hash = new URLSearchParams(params).toString();
  return url.toString();
}
