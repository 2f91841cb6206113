import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Deps } from './deps.js';
import type { AppEnv } from './http/context.js';
import { errorHandler } from './http/error-handler.js';
import { AppError } from './http/errors.js';
import { MAX_BODY_BYTES } from './http/body.js';
import { requestIdAndSecurityHeaders } from './http/security-headers.js';
import { clientIpResolver, parseTrustedProxies } from './http/client-ip.js';
import { corsPolicy } from './http/cors.js';
import { allowedHosts } from './http/hosts.js';
import { formRoutes } from './routes/form.js';
import { docsRoutes } from './routes/docs.js';
import { healthRoutes } from './routes/health.js';
import { inviteRoutes } from './routes/invite.js';
import { profileRoutes } from './routes/profile.js';
import { registrationRoutes } from './routes/registration.js';
import { resetPasswordRoutes } from './routes/reset-password.js';
import { sessionRoutes } from './routes/session.js';
import { oauthRoutes } from './routes/oauth.js';

/**
 * Refuses bodies over {@link MAX_BODY_BYTES}. A declared Content-Length is checked from the
 * header (Node's parser holds the body to it); only a chunked body is counted as it streams, by
 * Hono's bodyLimit. Reading requests are let through untouched: asking a Node request for its
 * body stream would build a whole fetch Request for every GET /user.
 */
function limitBodySize(): MiddlewareHandler<AppEnv> {
  const tooLarge = () => new AppError('payload_too_large', `The request body is larger than ${MAX_BODY_BYTES / 1024} KiB`);
  const streamed = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw tooLarge();
    },
  });
  return async function limitBody(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return next();
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return streamed(c, next);
    if (!/^\d+$/.test(length) || Number(length) > MAX_BODY_BYTES) throw tooLarge();
    return next();
  };
}

/** The whole HTTP API as a Hono app. No module-level state: tests build one per config. */
export function createApp(deps: Deps): Hono<AppEnv> {
  const { logger } = deps;
  const app = new Hono<AppEnv>();

  app.use(requestIdAndSecurityHeaders({ hsts: deps.config.urls.external.startsWith('https://') }));
  app.use(deps.metrics.middleware());
  // Middleware with nothing to do is not mounted at all: every layer costs each request.
  const mount = (middleware: MiddlewareHandler<AppEnv> | undefined) => {
    if (middleware) app.use(middleware);
  };
  mount(
    logger.enabled('info')
      ? async function accessLog(c, next) {
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
        }
      : undefined,
  );
  const clientIp = clientIpResolver(parseTrustedProxies(deps.config.trustedProxies).list, deps.config.trustedProxies.length > 0, deps.config.trustedProxyHops);
  app.use(async function resolveClientIp(c, next) {
    c.set('clientIp', clientIp(c));
    return next();
  });
  mount(corsPolicy(deps.config));
  app.use(limitBodySize());

  // Health checks come first: no host check, no rate limit.
  app.route('/', healthRoutes(deps));
  app.route('/', docsRoutes(deps));
  mount(allowedHosts(deps.config.tenancy.allowedHosts, deps.config.tenancy.hostHeader));
  mount(deps.limits.perIp());
  app.route('/', formRoutes(deps));

  // Each route that acts on users resolves its tenant itself (see routes/): no list to keep.
  app.route('/', registrationRoutes(deps));
  app.route('/', sessionRoutes(deps));
  app.route('/', profileRoutes(deps));
  app.route('/', inviteRoutes(deps));
  app.route('/', resetPasswordRoutes(deps));
  app.route('/', oauthRoutes(deps));

  app.notFound((c) => c.json({ error: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError(errorHandler(logger, deps.audit));
  return app;
}
