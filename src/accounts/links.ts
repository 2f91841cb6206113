import type { Config } from '../config/types.js';
import { AppError } from '../core/errors.js';

/**
 * The redirect URL a mailed link is built on: the request's `redirect_url` when its origin is
 * allowed, the configured default when none is given. Anything else is a 400, never a silent
 * fallback, so an integrator notices a wrong URL at once.
 */
export function resolveRedirect(urls: Config['urls'], requested: string | undefined): URL {
  if (requested === undefined || requested === '') return new URL(urls.verifyRedirect);
  let url: URL;
  try {
    url = new URL(requested);
  } catch {
    throw invalidRedirect();
  }
  const allowed =
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.username === '' &&
    url.password === '' &&
    urls.allowedRedirectOrigins.includes(url.origin);
  if (!allowed) throw invalidRedirect();
  return url;
}

/**
 * `redirect` with the `action` and `token` query parameters set — and `tenant` (multi-tenancy),
 * so the page the link opens (/form) can send it along.
 */
export function buildLink(redirect: URL, action: string, token?: string, tenantId: string | null = null): string {
  const url = new URL(redirect);
  url.searchParams.set('action', action);
  if (token !== undefined) url.searchParams.set('token', token);
  if (tenantId !== null) url.searchParams.set('tenant', tenantId);
  return url.toString();
}

function invalidRedirect(): AppError {
  return new AppError(
    'invalid_redirect_url',
    'redirect_url must be an http(s) URL on VERIFY_REDIRECT_URL\'s origin or one of ALLOWED_REDIRECT_ORIGINS',
  );
}
