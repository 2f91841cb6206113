import type { JWTPayload } from 'jose';
import type { StoredUser } from '../backends/types.js';
import { credentialFingerprint, fingerprintMatches } from './fingerprint.js';
import { checkTenant, invalidToken, signJwt, verifyJwt } from './jwt.js';
import { anyRawKey, type KeyRing } from './key-ring.js';
import type { TokenSettings } from './settings.js';

/** The actions a mailed link can carry. */
const LINK_ACTIONS = ['verify-email', 'reset-password', 'change-email', 'invite'] as const;
export type LinkAction = (typeof LINK_ACTIONS)[number];

const TYP = 'verify+jwt';

export interface LinkClaims extends JWTPayload {
  action: LinkAction;
  /** The address the mail went to: the new address for `change-email`. */
  email: string;
  tid?: string;
  /** The existing user's id (reset-password, change-email). */
  sub?: string;
  /** Credential fingerprint of the existing user when the link was mailed. */
  fp?: string;
  /** The role an invitation grants. */
  role?: string;
}

export interface LinkTokens {
  /** A mailed token for `action`; `user` is the existing account it acts on, if any. */
  sign(action: LinkAction, data: { email: string; tenantId: string | null; user?: StoredUser; role?: string }): Promise<string>;
  verify(token: string, tenantId: string | null): Promise<LinkClaims>;
  /** True when the link was mailed for the user's current credentials (a logout leaves it alone). */
  stillValid(user: StoredUser, claims: LinkClaims): boolean;
}

/** Mailed-link tokens (HS256 with the verify secret), bound to the credentials of the user they act on. */
export function linkTokens(ring: KeyRing, settings: TokenSettings): LinkTokens {
  return {
    sign(action, data) {
      const claims: Record<string, unknown> = { action, email: data.email };
      if (data.tenantId !== null) claims.tid = data.tenantId;
      if (data.role !== undefined) claims.role = data.role;
      if (data.user) claims.fp = credentialFingerprint(ring.signer.raw as Uint8Array, data.user);
      return signJwt(claims, { typ: TYP, ring, ttl: settings.verifyTtl, issuer: settings.issuer, subject: data.user ? String(data.user.id) : undefined });
    },
    async verify(token, tenantId) {
      const claims = await verifyJwt(token, { typ: TYP, ring, issuer: settings.issuer, required: ['action', 'email'] });
      checkTenant(claims, tenantId);
      if (!LINK_ACTIONS.includes(claims.action as LinkAction) || typeof claims.email !== 'string') throw invalidToken();
      return claims as LinkClaims;
    },
    stillValid: (user, claims) => anyRawKey(ring, (raw) => fingerprintMatches(raw, user, claims.fp, 'credentials')),
  };
}
