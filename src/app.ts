import { Hono, type MiddlewareHandler } from 'hono';
import { mountRoutes } from './api/mount.js';
import { routeTable } from './api/table.js';
import type { Deps } from './deps.js';
import { limitBodySize } from './http/body-limit.js';
import { resolveClientIp } from './http/client-ip.js';
import type { AppEnv } from './http/context.js';
import { corsPolicy } from './http/cors.js';
import { errorHandler } from './http/error-handler.js';
import { allowedHosts } from './http/hosts.js';
import { accessLog, measureRequests } from './http/observe.js';
import { perIpLimit } from './http/per-ip-limit.js';
import { requestIdAndSecurityHeaders } from './http/security-headers.js';

/** The whole HTTP API as a Hono app, from the route table. No module-level state: tests build one per config. */
export function createApp(deps: Deps): Hono<AppEnv> {
  const { config } = deps;
  const app = new Hono<AppEnv>();
  // Middleware with nothing to do is not mounted at all: every layer costs each request.
  const mount = (middleware: MiddlewareHandler<AppEnv> | undefined) => {
    if (middleware) app.use(middleware);
  };
  app.use(requestIdAndSecurityHeaders({ hsts: config.urls.external.startsWith('https://') }));
  app.use(measureRequests(deps.metrics));
  mount(accessLog(deps.logger));
  app.use(resolveClientIp(config.trustedProxies, config.trustedProxyHops, deps.logger));
  const routes = routeTable(deps);
  // A browser may send from a listed origin every method some route answers (PATCH, DELETE: passkeys).
  mount(corsPolicy(config, [...new Set(routes.map((spec) => spec.method.toUpperCase()))]));
  app.use(limitBodySize());

  const services = { config, accessTokens: deps.tokens.access, captcha: deps.captcha };
  // Health checks and the API description come first: no host check, no rate limit.
  mountRoutes(app, routes.filter((spec) => spec.open), services);
  mount(allowedHosts(config.tenancy.allowedHosts, config.tenancy.hostHeader));
  mount(perIpLimit(deps.limits));
  mountRoutes(app, routes.filter((spec) => !spec.open), services);

  app.notFound((c) => c.json({ error: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError(errorHandler(deps.logger, deps.audit));
  return app;
}
