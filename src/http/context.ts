import type { Context } from 'hono';
import type { RequestScope } from '../core/request.js';
import type { AccessClaims } from '../tokens/access-token.js';

/** Typed variables every handler can read from the Hono context. */
export interface AppEnv {
  Variables: {
    requestId: string;
    /** The client's IP (see `clientIp`: forwarding headers only from trusted proxies). */
    clientIp: string;
    /** The request's tenant; `null` when multi-tenancy is off. */
    tenantId: string | null;
    /** The verified access token's claims (routes behind `requireAccess`). */
    claims: AccessClaims;
    /** The body carried a captcha token the captcha service accepted. */
    captchaSolved: boolean;
    /** The admin API key's id (the admin listener). */
    adminKey: string;
  };
}

/** The request as account operations and the audit trail see it. */
export function scopeOf(c: Context<AppEnv>): RequestScope {
  return {
    requestId: c.get('requestId'),
    clientIp: c.get('clientIp'),
    tenantId: c.get('tenantId') ?? null,
    path: c.req.path,
    captchaSolved: c.get('captchaSolved') === true,
  };
}
