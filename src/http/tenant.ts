import type { MiddlewareHandler } from 'hono';
import type { TenancySettings } from '../config/types.js';
import { AppError } from '../core/errors.js';
import type { AppEnv } from './context.js';

const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,254}$/;

/**
 * Resolves the request's tenant. With multi-tenancy on: the tenant header, or else the host
 * (from HOST_HEADER) when it is one of ALLOWED_HOSTS; no tenant is a 400 — unless `optional`,
 * when `tenantId` stays unset for the handler to find.
 */
export function resolveTenant(
  tenancy: TenancySettings,
  /** Also accept the tenant in this query parameter (browser navigations cannot send headers). */
  options: { queryParam?: string; optional?: boolean } = {},
): MiddlewareHandler<AppEnv> {
  const allowedHosts = new Set(tenancy.allowedHosts);
  return async function tenant(c, next) {
    if (!tenancy.enabled) {
      c.set('tenantId', null);
      return next();
    }
    const fromQuery = options.queryParam ? c.req.query(options.queryParam) : undefined;
    const header = (fromQuery ?? c.req.header(tenancy.tenantHeader))?.trim();
    if (header !== undefined && header !== '') {
      if (!TENANT_ID.test(header)) {
        throw new AppError('tenant_required', `The ${tenancy.tenantHeader} header is not a valid tenant id`);
      }
      c.set('tenantId', header);
      return next();
    }
    const host = c.req.header(tenancy.hostHeader)?.trim().toLowerCase();
    if (host !== undefined && allowedHosts.has(host)) {
      c.set('tenantId', host);
      return next();
    }
    // The handler takes the tenant from something else the request carries (a mailed link's token).
    if (options.optional) return next();
    throw new AppError(
      'tenant_required',
      `No tenant: send the ${tenancy.tenantHeader} header, or call through a host listed in ALLOWED_HOSTS`,
    );
  };
}
