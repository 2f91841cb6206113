import type { MiddlewareHandler } from 'hono';
import type { Config } from '../config/load-config.js';
import type { TokenService } from '../tokens/token-service.js';
import { AppError } from './errors.js';
import type { AppEnv } from './context.js';
import { accessTokenOf } from './token-delivery.js';

/**
 * Requires a valid access token for the request's tenant (the Authorization header, or the
 * access cookie on reading requests in cookie mode); its claims go to `c.var.claims`.
 */
export function requireAccess(tokens: TokenService, config: Pick<Config, 'delivery' | 'jwt'>): MiddlewareHandler<AppEnv> {
  return async function access(c, next) {
    const token = accessTokenOf(c, config);
    if (token === undefined) {
      throw new AppError('unauthorized', 'Send an access token in the Authorization header: Bearer <token>');
    }
    c.set('claims', await tokens.verifyAccess(token, c.get('tenantId')));
    return next();
  };
}
