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
 * Sets the security headers on every response that did not set its own; HSTS when the gateway
 * is served over https (EXTERNAL_URL).
 */
export function securityHeaders(options: { hsts: boolean }): MiddlewareHandler {
  const all = options.hsts ? { ...DEFAULTS, 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' } : DEFAULTS;
  return async function headers(c, next) {
    await next();
    for (const [name, value] of Object.entries(all)) {
      if (!c.res.headers.has(name)) c.res.headers.set(name, value);
    }
  };
}
