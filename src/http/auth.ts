import type { MiddlewareHandler } from 'hono';
import type { TokenService } from '../tokens/token-service.js';
import { AppError } from './errors.js';
import type { AppEnv } from './context.js';

/** The bearer token of the Authorization header, if any. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match?.[1];
}

/** Requires a valid access token for the request's tenant; its claims go to `c.var.claims`. */
export function requireAccess(tokens: TokenService): MiddlewareHandler<AppEnv> {
  return async function access(c, next) {
    const token = bearerToken(c.req.header('authorization'));
    if (token === undefined) {
      throw new AppError('unauthorized', 'Send an access token in the Authorization header: Bearer <token>');
    }
    c.set('claims', await tokens.verifyAccess(token, c.var.tenantId));
    return next();
  };
}
