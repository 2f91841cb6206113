import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { AppEnv } from './context.js';

/** Counts and times every request by route pattern (never the raw path), method and status. */
export function measureRequests(metrics: Metrics): MiddlewareHandler<AppEnv> {
  return async function measure(c, next) {
    const started = performance.now();
    await next();
    // The pattern of the handler that answered ('/oauth/:provider'), never the raw path.
    const responder = matchedRoutes(c)[c.req.routeIndex];
    const route = responder && responder.method !== 'ALL' ? responder.path : 'unmatched';
    metrics.request(route, c.req.method, c.res.status, (performance.now() - started) / 1000);
  };
}

/** One log line per request; `undefined` when info lines are not written (nothing to mount). */
export function accessLog(logger: Logger): MiddlewareHandler<AppEnv> | undefined {
  if (!logger.enabled('info')) return undefined;
  return async function logRequest(c, next) {
    const started = performance.now();
    await next();
    // The path only: a query string may hold a mailed token (/form?token=…).
    logger.info('request', {
      requestId: c.get('requestId'),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  };
}
