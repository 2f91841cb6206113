import type { MiddlewareHandler } from 'hono';
import { AppError } from '../core/errors.js';
import type { AccessTokens } from '../tokens/access-token.js';
import type { AppEnv } from './context.js';
import { accessTokenOf, type DeliveryConfig } from './token-delivery.js';

/**
 * Requires a valid access token for the request's tenant (the Authorization header, or the
 * access cookie on reading requests in cookie mode); its claims go to `c.var.claims`.
 */
export function requireAccess(tokens: AccessTokens, config: DeliveryConfig): MiddlewareHandler<AppEnv> {
  return async function access(c, next) {
    const token = accessTokenOf(c, config);
    if (token === undefined) {
      throw new AppError('unauthorized', 'Send an access token in the Authorization header: Bearer <token>');
    }
    c.set('claims', await tokens.verify(token, c.get('tenantId')));
    return next();
  };
}
