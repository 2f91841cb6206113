import type { AccessClaims } from '../tokens/token-service.js';

/** Typed variables every handler can read from the Hono context. */
export interface AppEnv {
  Variables: {
    requestId: string;
    /** The client's IP (see `clientIpResolver`: forwarding headers only from trusted proxies). */
    clientIp: string;
    /** The request's tenant; `null` when multi-tenancy is off. */
    tenantId: string | null;
    /** The verified access token's claims (routes behind `requireAccess`). */
    claims: AccessClaims;
  };
}
