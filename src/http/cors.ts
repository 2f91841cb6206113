import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { Config } from '../config/types.js';
import { AUTH_TOKEN_HEADER } from './token-delivery.js';

/** Response headers a browser script may read. */
const EXPOSED = ['Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'X-Request-Id', AUTH_TOKEN_HEADER];

/**
 * CORS from ALLOWED_ORIGINS: a listed origin is echoed back, with credentials; any other origin
 * gets no CORS header at all (never a reflected arbitrary origin). `*` (development only) allows
 * every origin without credentials. `undefined` when no origin is allowed (nothing to mount).
 * `methods`: those the app's routes answer (PATCH and DELETE with passkeys).
 */
export function corsPolicy(config: Pick<Config, 'cors' | 'tenancy'>, methods: readonly string[]): MiddlewareHandler | undefined {
  if (config.cors.origins.length === 0 && !config.cors.any) return undefined;
  const listed = new Set(config.cors.origins);
  const allowHeaders = ['Content-Type', 'Authorization', 'X-Request-Id', 'X-Requested-With', config.tenancy.tenantHeader];
  const allowMethods = [...methods];
  const anyOrigin = cors({ origin: '*', allowMethods, allowHeaders, exposeHeaders: EXPOSED, maxAge: 600 });
  const listedOrigins = cors({
    origin: (origin) => origin,
    allowMethods,
    allowHeaders,
    exposeHeaders: EXPOSED,
    credentials: true,
    maxAge: 600,
  });
  return async function corsMiddleware(c, next) {
    const origin = c.req.header('origin');
    if (origin !== undefined && listed.has(origin)) return listedOrigins(c, next);
    if (origin !== undefined && config.cors.any) return anyOrigin(c, next);
    // Not a listed origin: no CORS header at all, so the browser keeps the answer from it.
    return next();
  };
}
