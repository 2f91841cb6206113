import { Hono, type MiddlewareHandler } from 'hono';
import { mountRoutes } from '../api/mount.js';
import { buildOpenApi } from '../api/openapi.js';
import type { AppServices } from '../api/services.js';
import { AppError, HookRefusal } from '../core/errors.js';
import { safeEqual } from '../core/safe-equal.js';
import { limitBodySize } from '../http/body-limit.js';
import { resolveClientIp } from '../http/client-ip.js';
import { type AppEnv, scopeOf } from '../http/context.js';
import { errorHandler } from '../http/error-handler.js';
import { requestIdAndSecurityHeaders } from '../http/security-headers.js';
import { bearerToken } from '../http/token-delivery.js';
import { adminRoutes } from './routes.js';

/** A secret no key has: an unknown key id costs the same comparison as a known one. */
const NO_SECRET = 'x'.repeat(64);

/**
 * The admin key (`Authorization: Bearer <id>:<secret>`), compared in constant time, then its rate
 * limit; every call — refused ones too — is an audit event naming the key id, the method, the
 * path and the answer's status.
 */
function adminKeys(deps: AppServices, keys: readonly { readonly id: string; readonly secret: string }[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const given = bearerToken(c.req.header('authorization')) ?? '';
    const at = given.indexOf(':');
    const [id, secret] = at > 0 ? [given.slice(0, at), given.slice(at + 1)] : ['', ''];
    const key = keys.find((k) => k.id === id);
    const matches = safeEqual(secret, key?.secret ?? NO_SECRET) && key !== undefined;
    const audit = (status: number) =>
      deps.audit.record(scopeOf(c), 'admin_call', { actorId: matches ? `admin-key:${id}` : undefined, detail: `${c.req.method} ${c.req.path} ${status}${matches ? '' : ' (no valid key)'}` });
    try {
      if (!matches) throw new AppError('unauthorized', 'Send an admin API key: Authorization: Bearer <id>:<secret> (ADMIN_API_KEYS)');
      c.set('adminKey', id);
      await deps.limits.adminCall(id);
      await next();
    } catch (error) {
      audit(error instanceof AppError ? error.status : error instanceof HookRefusal ? error.status : 500);
      throw error;
    }
    audit(c.res.status);
  };
}

/** The admin API on its own listener (ADMIN_PORT): its OpenAPI document open, the rest behind a key. */
export function createAdminApp(deps: AppServices): Hono<AppEnv> {
  const settings = deps.config.admin;
  if (!settings) throw new Error('the admin API is off (ADMIN_PORT)');
  const app = new Hono<AppEnv>();
  app.use(requestIdAndSecurityHeaders({ hsts: false }));
  app.use(resolveClientIp(deps.config.trustedProxies, deps.config.trustedProxyHops, deps.logger));
  app.use(limitBodySize());
  const routes = adminRoutes(deps);
  let document: string | undefined;
  app.get('/admin/openapi.json', (c) => {
    document ??= JSON.stringify(adminOpenApi(routes, deps), null, 2);
    return c.body(document, 200, { 'Content-Type': 'application/json' });
  });
  app.use(adminKeys(deps, settings.keys));
  mountRoutes(app, routes, { config: deps.config, accessTokens: deps.tokens.access, captcha: deps.captcha });
  app.notFound((c) => c.json({ error: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError(errorHandler(deps.logger, deps.audit));
  return app;
}

function adminOpenApi(routes: Parameters<typeof buildOpenApi>[0], deps: AppServices) {
  const document = buildOpenApi(routes, deps.config) as { info: Record<string, unknown>; servers: unknown; paths: Record<string, Record<string, Record<string, unknown>>>; components: Record<string, unknown> };
  document.info = { ...document.info, title: 'Authura admin API', description: 'User management on the admin listener (ADMIN_PORT). Every call needs `Authorization: Bearer <id>:<secret>` (ADMIN_API_KEYS).' };
  document.servers = [];
  document.components = { ...document.components, securitySchemes: { adminKey: { type: 'http', scheme: 'bearer', bearerFormat: '<id>:<secret>' } } };
  for (const operations of Object.values(document.paths)) for (const operation of Object.values(operations)) operation.security = [{ adminKey: [] }];
  return document;
}
