import type { Hono, MiddlewareHandler } from 'hono';
import { CAPTCHA_FIELD, type Captcha } from '../captcha/turnstile.js';
import type { Config } from '../config/types.js';
import { requireAccess } from '../http/auth.js';
import { sameSiteOnly } from '../http/cross-site.js';
import { readBody } from '../http/body.js';
import type { AppEnv } from '../http/context.js';
import { resolveTenant } from '../http/tenant.js';
import type { AccessTokens } from '../tokens/access-token.js';
import type { RouteSpec } from './route.js';

/**
 * Mounts `routes` in order, each behind the middleware its declaration asks for: the same-site
 * rule of token cookies, the tenant, the access token. The handler's `read()` reads the body with `readBody` (JSON or form, 64 KiB) and
 * then checks the captcha token it carries.
 */
export function mountRoutes(
  app: Hono<AppEnv>,
  routes: readonly RouteSpec[],
  services: { config: Pick<Config, 'tenancy' | 'delivery' | 'jwt' | 'urls' | 'cors' | 'production'>; accessTokens: AccessTokens; captcha: Captcha },
): void {
  const tenant = {
    header: resolveTenant(services.config.tenancy),
    query: resolveTenant(services.config.tenancy, { queryParam: 'tenant' }),
    link: resolveTenant(services.config.tenancy, { optional: true }),
  };
  const access = requireAccess(services.accessTokens, services.config);
  const sameSite = sameSiteOnly(services.config);
  for (const spec of routes) {
    const middleware: MiddlewareHandler<AppEnv>[] = [];
    if (spec.sessionCookies && sameSite) middleware.push(sameSite);
    if (spec.tenant) middleware.push(tenant[spec.tenant]);
    if (spec.auth) middleware.push(access);
    app.on(spec.method.toUpperCase(), [spec.path], ...middleware, (c) =>
      spec.handle(c, async () => {
        if (!spec.body) return undefined;
        const body = await readBody(c, spec.body, spec.misplaced);
        if (spec.captcha === true && (await services.captcha.verify((body as Record<string, string | undefined>)[CAPTCHA_FIELD], c.get('clientIp')))) {
          c.set('captchaSolved', true);
        }
        return body;
      }),
    );
  }
}
