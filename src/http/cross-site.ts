import type { MiddlewareHandler } from 'hono';
import type { Config } from '../config/types.js';
import { AppError } from '../core/errors.js';
import type { AppEnv } from './context.js';

/**
 * With cookie delivery, the rule of every route that sets, reads or clears token cookies: a
 * browser request from another site is refused (`403 cross_site_request`) — else a page anywhere
 * could log a visitor in as its author (login CSRF) or act with the visitor's cookies. Allowed:
 * `Sec-Fetch-Site: same-origin`; an `Origin` that is EXTERNAL_URL's or listed in ALLOWED_ORIGINS
 * (exactly; in production only https ones); a request with neither header (not a browser's).
 * `Origin: null` (sandboxed frames, file pages) is another site. `undefined` without cookie
 * delivery (nothing to mount).
 */
export function sameSiteOnly(config: Pick<Config, 'delivery' | 'urls' | 'cors' | 'production'>): MiddlewareHandler<AppEnv> | undefined {
  if (!config.delivery.cookie) return undefined;
  const allowed = new Set([new URL(config.urls.external).origin, ...config.cors.origins.filter((origin) => !config.production || origin.startsWith('https://'))]);
  return async function crossSiteCheck(c, next) {
    const site = c.req.header('sec-fetch-site');
    const origin = c.req.header('origin');
    if (site === 'same-origin' || (origin !== undefined && allowed.has(origin)) || (site === undefined && origin === undefined)) return next();
    throw new AppError('cross_site_request', 'This request comes from a page of another site, which may not use the token cookies (EXTERNAL_URL, ALLOWED_ORIGINS)');
  };
}
