import type { MiddlewareHandler } from 'hono';

const DEFAULTS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // JSON answers load nothing; /form sets its own, stricter-per-page policy.
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  // Auth answers (tokens, user data) are never cached.
  'Cache-Control': 'no-store',
};

/**
 * Sets the security headers on every response; a route that sets one of them itself (the CSP
 * of /form, the caching of /docs) replaces it. HSTS when the gateway is served over https
 * (EXTERNAL_URL). Set before the handler runs, so they are part of the response as it is built,
 * never patched onto it afterwards.
 */
export function securityHeaders(options: { hsts: boolean }): MiddlewareHandler {
  const all = Object.entries(options.hsts ? { ...DEFAULTS, 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' } : DEFAULTS);
  return async function headers(c, next) {
    for (const [name, value] of all) c.header(name, value);
    return next();
  };
}
