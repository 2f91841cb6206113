import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { resolveRedirect } from '../../accounts/links.js';
import { oauthSignIn, SignInRefused } from '../../accounts/oauth-sign-in.js';
import { BackendError } from '../../backends/types.js';
import { AppError, HookRefusal } from '../../core/errors.js';
import { errorFields } from '../../core/logger.js';
import { safeEqual } from '../../core/safe-equal.js';
import type { AppServices } from '../services.js';
import { type AppEnv, scopeOf } from '../../http/context.js';
import { deliverTokens } from '../../http/token-delivery.js';
import { OAuthError } from '../../oauth/errors.js';
import type { OAuthProvider } from '../../oauth/provider.js';
import { OAUTH_STATE_TTL } from '../../tokens/oauth-state.js';
import { emailField, redirectUrlField } from '../fields.js';
import { route } from '../route.js';

const cookieName = (provider: string) => `authura_oauth_${provider}`;

/** A sign-in that failed after the state checked out: sent back to the app in the URL fragment. */
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
 * the browser to the allowed redirect URL with the tokens in the URL fragment (never sent to a
 * server, never in an access log). State and PKCE verifier travel in a signed, HttpOnly,
 * SameSite=Lax cookie scoped to the provider's path: nothing is stored. No routes without providers.
 */
export function oauthRoutes(deps: AppServices) {
  const providers = deps.oauthProviders;
  if (providers.size === 0) return [];
  const secure = deps.config.urls.external.startsWith('https://');
  const cookie = (provider: string) => ({ httpOnly: true, secure, sameSite: 'Lax' as const, path: `/oauth/${provider}` });
  const providerOf = (c: Context<AppEnv>): OAuthProvider => {
    const provider = providers.get(c.req.param('provider') ?? '');
    if (!provider) throw new AppError('not_found', `No OAuth provider "${c.req.param('provider')}" is configured`);
    return provider;
  };

  const start = route({
    method: 'get',
    path: '/oauth/:provider',
    tag: 'oauth',
    summary: 'Start an OAuth sign-in (google, github)',
    // A browser link cannot send the tenant header: the start may name the tenant in the query.
    tenant: 'query',
    query: z.object({
      redirect_url: redirectUrlField.optional().meta({ description: 'Where the app gets the tokens (in the fragment): an allowed redirect URL; default EXTERNAL_URL' }),
      tenant: z.string().optional().meta({ description: 'The tenant, when no header can be sent (multi-tenancy)' }),
    }),
    ok: { status: 302, description: 'Redirect to the provider; sets the signed state cookie' },
    errors: ['invalid_redirect_url', 'not_found'],
    async handle(c) {
      const provider = providerOf(c);
      const redirect = resolveRedirect(deps.config.urls, c.req.query('redirect_url'));
      const { state, codeVerifier } = provider.newFlow();
      const tenantId = c.get('tenantId');
      const flow = { provider: provider.name, state, codeVerifier, redirect: redirect.toString(), ...(tenantId ? { tid: tenantId } : {}) };
      setCookie(c, cookieName(provider.name), await deps.tokens.oauthState.sign(flow), { ...cookie(provider.name), maxAge: OAUTH_STATE_TTL });
      return c.redirect(provider.authorizationUrl(state, codeVerifier).toString(), 302);
    },
  });

  const callback = route({
    method: 'get',
    path: '/oauth/:provider/callback',
    tag: 'oauth',
    summary: "The provider's return: redirect to the app with tokens (or an error) in the fragment",
    ok: { status: 302, description: 'Redirect to the allowed redirect URL' },
    errors: ['invalid_oauth_state', 'not_found'],
    async handle(c) {
      const provider = providerOf(c);
      const raw = getCookie(c, cookieName(provider.name));
      // One use: the cookie goes whatever happens next, so a replayed callback finds nothing.
      deleteCookie(c, cookieName(provider.name), cookie(provider.name));
      const badState = new AppError('invalid_oauth_state', 'The sign-in expired or was not started here: start again');
      if (!raw) throw badState;
      const flow = await deps.tokens.oauthState.verify(raw).catch(() => {
        throw badState;
      });
      if (flow.provider !== provider.name || !safeEqual(c.req.query('state') ?? '', flow.state)) throw badState;
      // The tenant the sign-in was started for.
      c.set('tenantId', flow.tid ?? null);
      const redirect = new URL(flow.redirect);
      try {
        const denied = c.req.query('error');
        const code = c.req.query('code');
        if (denied !== undefined) throw new FlowFailure('access_denied', 'The sign-in was cancelled at the provider');
        if (!code) throw new FlowFailure('invalid_request', 'The provider sent no authorization code');
        const identity = await provider.identity(await provider.exchange(code, flow.codeVerifier));
        const email = emailField.safeParse(identity.email);
        const issued = await oauthSignIn(deps, scopeOf(c), { email: email.success ? email.data : undefined, emailVerified: identity.emailVerified, provider: provider.name });
        // Cookie delivery sets the cookies here; the fragment carries what a JSON body would.
        const tokensForApp = deliverTokens(c, deps.config, issued);
        return c.redirect(withFragment(redirect, { ...tokensForApp, expires_in: String(tokensForApp.expires_in) }), 302);
      } catch (error) {
        // A second factor is due (or must be set up): the app gets the token that continues the sign-in.
        if (error instanceof AppError && error.fields !== undefined && (error.code === 'mfa_required' || error.code === 'mfa_enrollment_required')) {
          const token = { mfa_token: error.fields.mfa_token, enrollment_token: error.fields.enrollment_token };
          const carried = Object.fromEntries(Object.entries(token).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
          return c.redirect(withFragment(redirect, { error: error.code, error_description: error.message, ...carried }), 302);
        }
        const failure = asFailure(error);
        deps.logger.warn('oauth sign-in failed', { requestId: c.get('requestId'), provider: provider.name, code: failure.code, error: errorFields(error) });
        return c.redirect(withFragment(redirect, { error: failure.code, error_description: failure.message }), 302);
      }
    },
  });
  return [start, callback];
}

function asFailure(error: unknown): FlowFailure {
  if (error instanceof FlowFailure) return error;
  if (error instanceof SignInRefused) return new FlowFailure(error.code, error.message);
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
