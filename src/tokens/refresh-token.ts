import type { JWTPayload } from 'jose';
import type { StoredUser } from '../backends/types.js';
import { type Authentication, authenticationClaims } from './authentication.js';
import { credentialFingerprint, fingerprintMatches } from './fingerprint.js';
import { checkTenant, signJwt, verifyJwt } from './jwt.js';
import { anyRawKey, type KeyRing } from './key-ring.js';
import type { TokenSettings } from './settings.js';

const TYP = 'refresh+jwt';

interface RefreshClaims extends JWTPayload {
  sub: string;
  tid?: string;
  /** The user's credential fingerprint (with the session version) when the token was issued. */
  fp: string;
  amr?: string[];
  auth_time?: number;
}

export interface RefreshTokens {
  sign(user: StoredUser, authentication?: Authentication): Promise<string>;
  verify(token: string, tenantId: string | null): Promise<RefreshClaims>;
  /** True when the token was issued for the user's current credentials and session version. */
  stillValid(user: StoredUser, claims: RefreshClaims): boolean;
}

/**
 * Refresh tokens (HS256 with the refresh secret). Stateless revocation: each carries a keyed hash
 * of its user's credentials and session version, which a change of password, email or role, or a
 * logout, stops matching.
 */
export function refreshTokens(ring: KeyRing, settings: TokenSettings, multiTenant: boolean): RefreshTokens {
  return {
    sign(user, authentication) {
      const claims: Record<string, unknown> = {
        ...(multiTenant && user.tenant_id !== null ? { tid: user.tenant_id } : {}),
        fp: credentialFingerprint(ring.signer.raw as Uint8Array, user, 'session'),
        ...authenticationClaims(authentication),
      };
      return signJwt(claims, { typ: TYP, ring, ttl: settings.refreshTtl, issuer: settings.issuer, subject: String(user.id) });
    },
    async verify(token, tenantId) {
      const claims = await verifyJwt(token, { typ: TYP, ring, issuer: settings.issuer, required: ['sub', 'fp'] });
      checkTenant(claims, tenantId);
      return claims as RefreshClaims;
    },
    stillValid: (user, claims) => anyRawKey(ring, (raw) => fingerprintMatches(raw, user, claims.fp, 'session')),
  };
}
