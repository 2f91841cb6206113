import type { StoredUser } from '../backends/types.js';
import { checkTenant, signJwt, verifyJwt } from './jwt.js';
import type { KeyRing } from './key-ring.js';
import type { TokenSettings } from './settings.js';

const TYP = 'device+jwt';

export interface DeviceTokens {
  /** Given to a client after a successful password sign-in to `user`. */
  sign(user: StoredUser): Promise<string>;
  /**
   * Whether `token` is one this gateway gave a client that signed in to the account of `email`
   * in this tenant (OWASP's "device cookie"): any failure is simply `false`.
   */
  knows(token: string | undefined, email: string, tenantId: string | null): Promise<boolean>;
  /** Seconds. */
  readonly lifetime: number;
}

/**
 * Device tokens (HS256 with the refresh secret, their own `typ`): a client that signed in to an
 * account before keeps signing in while the account is past its ceiling of failed sign-ins
 * (LOGIN_ACCOUNT_MAX_FAILURES). They name the account's address, which the ceiling counts by.
 */
export function deviceTokens(ring: KeyRing, settings: TokenSettings, multiTenant: boolean): DeviceTokens {
  return {
    lifetime: settings.deviceTtl,
    sign(user) {
      // The address as sign-ins name it (canonical: lower case), whatever case the row holds.
      const claims = { ...(multiTenant && user.tenant_id !== null ? { tid: user.tenant_id } : {}), email: user.email.toLowerCase() };
      return signJwt(claims, { typ: TYP, ring, ttl: settings.deviceTtl, issuer: settings.issuer, subject: String(user.id) });
    },
    async knows(token, email, tenantId) {
      if (token === undefined || token === '') return false;
      try {
        const claims = await verifyJwt(token, { typ: TYP, ring, issuer: settings.issuer, required: ['sub', 'email'] });
        checkTenant(claims, tenantId);
        return claims.email === email;
      } catch {
        return false;
      }
    },
  };
}
