import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { CookieOptions } from 'hono/utils/cookie';
import type { Config } from '../config/types.js';
import type { IssuedTokens } from '../tokens/tokens.js';

const ACCESS_COOKIE = 'authura_access_token';
const REFRESH_COOKIE = 'authura_refresh_token';
/** Kept across logouts: it marks a browser that signed in to the account before (LOGIN_ACCOUNT_MAX_FAILURES). */
const DEVICE_COOKIE = 'authura_device';
/** The access token as a response header, like Hanko's. */
export const AUTH_TOKEN_HEADER = 'X-Auth-Token';

/** The bearer token of the Authorization header, if any. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match?.[1];
}

/** What delivery needs: where tokens go, and how long a refresh cookie lives. */
export type DeliveryConfig = Pick<Config, 'delivery'> & { readonly jwt: Pick<Config['jwt'], 'refreshTtl' | 'deviceTtl'> };

/** What the JSON body says of the tokens: all of them, or (without `json`) only their type and lifetime. */
type TokensInBody = IssuedTokens | Pick<IssuedTokens, 'token_type' | 'expires_in'>;

/**
 * Hands issued tokens out the ways TOKEN_DELIVERY names: cookies (HttpOnly, Secure,
 * SameSite), the X-Auth-Token header, and the JSON body, which is returned.
 */
export function deliverTokens(c: Context, config: DeliveryConfig, issued: IssuedTokens): TokensInBody {
  const { delivery } = config;
  if (delivery.cookie) {
    setCookie(c, ACCESS_COOKIE, issued.access_token, { ...cookieOptions(config), sameSite: delivery.sameSite, maxAge: issued.expires_in });
    if (issued.refresh_token !== undefined) {
      setCookie(c, REFRESH_COOKIE, issued.refresh_token, {
        ...cookieOptions(config),
        sameSite: refreshSameSite(config),
        maxAge: config.jwt.refreshTtl,
      });
    }
    if (issued.device_token !== undefined) {
      setCookie(c, DEVICE_COOKIE, issued.device_token, { ...cookieOptions(config), sameSite: refreshSameSite(config), maxAge: config.jwt.deviceTtl });
    }
  }
  if (delivery.header) c.header(AUTH_TOKEN_HEADER, issued.access_token);
  return delivery.json ? issued : { token_type: issued.token_type, expires_in: issued.expires_in };
}

/** Expires both token cookies (logout). Nothing when cookies are not in use. */
export function clearTokenCookies(c: Context, config: DeliveryConfig): void {
  if (!config.delivery.cookie) return;
  deleteCookie(c, ACCESS_COOKIE, { ...cookieOptions(config), sameSite: config.delivery.sameSite });
  deleteCookie(c, REFRESH_COOKIE, { ...cookieOptions(config), sameSite: refreshSameSite(config) });
}

/**
 * The access token of a request: the Authorization header, or (cookie mode) the access cookie —
 * on a state-changing request only when it is one no other site's page can send without the
 * gateway's consent: a JSON body or an `X-Requested-With` header (a cross-site form can carry
 * neither, and a script needs CORS, which only ALLOWED_ORIGINS get).
 */
export function accessTokenOf(c: Context, config: DeliveryConfig): string | undefined {
  const header = bearerToken(c.req.header('authorization'));
  if (header !== undefined || !config.delivery.cookie) return header;
  const reading = c.req.method === 'GET' || c.req.method === 'HEAD';
  return reading || notSimple(c) ? getCookie(c, ACCESS_COOKIE) || undefined : undefined;
}

/** A request a browser sends only after a CORS preflight (or from the page's own origin). */
function notSimple(c: Context): boolean {
  const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type) || c.req.header('x-requested-with') !== undefined;
}

/** The device token of a request: the body's, or the device cookie (which only cookie mode sets). */
export function deviceTokenOf(c: Context, fromBody: string | undefined): string | undefined {
  return fromBody ?? (getCookie(c, DEVICE_COOKIE) || undefined);
}

/** The refresh token of a request: the body's, or (cookie mode) the refresh cookie. */
export function refreshTokenOf(c: Context, config: DeliveryConfig, fromBody: string | undefined): string | undefined {
  if (fromBody !== undefined || !config.delivery.cookie) return fromBody;
  return getCookie(c, REFRESH_COOKIE) || undefined;
}

function cookieOptions({ delivery }: DeliveryConfig): CookieOptions {
  return { path: '/', httpOnly: true, secure: delivery.secure, ...(delivery.cookieDomain ? { domain: delivery.cookieDomain } : {}) };
}

/**
 * The refresh cookie goes only to requests from the gateway's own site (Strict), unless the
 * app is on another site (COOKIE_SAME_SITE=none), where Strict would keep it from /refresh.
 */
function refreshSameSite({ delivery }: DeliveryConfig): 'Strict' | 'None' {
  return delivery.sameSite === 'None' ? 'None' : 'Strict';
}
