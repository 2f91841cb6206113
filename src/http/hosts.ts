import type { MiddlewareHandler } from 'hono';
import { AppError } from '../core/errors.js';

/**
 * Refuses requests for a host not in ALLOWED_HOSTS (read from HOST_HEADER), which stops Host
 * header tricks and DNS rebinding. No list: any host, and `undefined` (nothing to mount).
 */
export function allowedHosts(hosts: readonly string[], header: string): MiddlewareHandler | undefined {
  if (hosts.length === 0) return undefined;
  const allowed = new Set(hosts);
  return async function hostCheck(c, next) {
    const host = c.req.header(header)?.trim().toLowerCase();
    if (host === undefined || !allowed.has(host)) throw new AppError('invalid_host', 'This host is not served here (ALLOWED_HOSTS)');
    return next();
  };
}
