import type { JWTPayload } from 'jose';
import type { StoredUser } from '../backends/types.js';
import { credentialFingerprint, fingerprintMatches } from './fingerprint.js';
import { checkTenant, invalidToken, signJwt, verifyJwt } from './jwt.js';
import { anyRawKey, type KeyRing } from './key-ring.js';
import type { TokenSettings } from './settings.js';

/** The actions a mailed link can carry. */
const LINK_ACTIONS = ['verify-email', 'reset-password', 'change-email', 'invite', 'revert-email'] as const;
export type LinkAction = (typeof LINK_ACTIONS)[number];

const TYP = 'verify+jwt';

export interface LinkClaims extends JWTPayload {
  action: LinkAction;
  /** The address the mail went to: the new address for `change-email`, the old one for `revert-email`. */
  email: string;
  tid?: string;
  /** The existing user's id (reset-password, change-email, revert-email). */
  sub?: string;
  /** Credential fingerprint of the existing user when the link was mailed (reset-password, change-email). */
  fp?: string;
  /** The role an invitation grants. */
  role?: string;
  /** The admin who invited, and their session version then: the invitation lasts while both hold. */
  inv?: string;
  isv?: number;
}

/** What a link is signed with beyond its action. */
interface LinkData {
  readonly email: string;
  readonly tenantId: string | null;
  /** The existing account the link acts on: its id (and, but for `revert-email`, its credentials). */
  readonly user?: StoredUser;
  readonly role?: string;
  readonly inviter?: StoredUser;
}

export interface LinkTokens {
  /** A mailed token for `action`. */
  sign(action: LinkAction, data: LinkData): Promise<string>;
  /** `tenantId` `undefined`: the tenant the link was signed for, whichever it is. */
  verify(token: string, tenantId: string | null | undefined): Promise<LinkClaims>;
  /** True when the link was mailed for the user's current credentials (a logout leaves it alone). */
  stillValid(user: StoredUser, claims: LinkClaims): boolean;
}

/**
 * Mailed-link tokens (HS256 with the verify secret), bound to the credentials of the user they act
 * on. A `revert-email` link ("this wasn't me") is bound to the account only, not its credentials —
 * whoever moved the address could otherwise void it by changing the password — and lives longer
 * (EMAIL_REVERT_EXPIRATION).
 */
export function linkTokens(ring: KeyRing, settings: TokenSettings): LinkTokens {
  return {
    sign(action, data) {
      const claims: Record<string, unknown> = { action, email: data.email };
      if (data.tenantId !== null) claims.tid = data.tenantId;
      if (data.role !== undefined) claims.role = data.role;
      if (data.user && action !== 'revert-email') claims.fp = credentialFingerprint(ring.signer.raw as Uint8Array, data.user);
      if (data.inviter) Object.assign(claims, { inv: String(data.inviter.id), isv: data.inviter.session_version ?? 0 });
      const ttl = action === 'revert-email' ? settings.revertTtl : settings.verifyTtl;
      return signJwt(claims, { typ: TYP, ring, ttl, issuer: settings.issuer, subject: data.user ? String(data.user.id) : undefined });
    },
    async verify(token, tenantId) {
      const claims = await verifyJwt(token, { typ: TYP, ring, issuer: settings.issuer, required: ['action', 'email', 'jti'] });
      if (tenantId !== undefined) checkTenant(claims, tenantId);
      if (!LINK_ACTIONS.includes(claims.action as LinkAction) || typeof claims.email !== 'string' || typeof claims.jti !== 'string') throw invalidToken();
      return claims as LinkClaims;
    },
    stillValid: (user, claims) => anyRawKey(ring, (raw) => fingerprintMatches(raw, user, claims.fp, 'credentials')),
  };
}
