import type { MiddlewareHandler } from 'hono';
import type { Limits } from '../rate-limit/limits.js';
import type { AppEnv } from './context.js';

/**
 * RATE_PER_MINUTE per client IP, with RateLimit-* headers on every answer; `undefined` when the
 * limit is off (nothing to mount).
 */
export function perIpLimit(limits: Limits): MiddlewareHandler<AppEnv> | undefined {
  const count = limits.perIp;
  if (count === undefined) return undefined;
  return async function rateLimit(c, next) {
    const { headers, refusal } = await count(c.get('clientIp'));
    if (refusal) throw refusal;
    await next();
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  };
}
