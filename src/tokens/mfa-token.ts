import type { StoredUser } from '../backends/types.js';
import { credentialFingerprint, fingerprintMatches } from './fingerprint.js';
import { checkTenant, invalidToken, signJwt, verifyJwt } from './jwt.js';
import { anyRawKey, type KeyRing } from './key-ring.js';

/** A first factor passed, a second one due: the token `POST /mfa/verify` takes. */
const MFA_TYP = 'mfa+jwt';
/** A first factor passed by a user whose role needs a second factor they have not set up: `enroll` and `confirm` take it. */
const ENROLL_TYP = 'mfa-enroll+jwt';
/** Seconds an mfa token lives. */
const MFA_TTL = 300;
const ENROLL_TTL = 600;

type PendingKind = 'mfa' | 'enroll';

/** What an mfa or enrolment token says: who passed which first factor. */
export interface PendingSignIn {
  readonly userId: string;
  readonly tenantId: string | null;
  /** The first factor's `amr` values. */
  readonly amr: readonly string[];
  /** Spent when the sign-in completes. */
  readonly id: string;
  /** Seconds. */
  readonly expiresAt: number;
  /** The credentials' fingerprint when the first factor was passed. */
  readonly fingerprint: string;
}

export interface MfaTokens {
  sign(kind: PendingKind, user: StoredUser, amr: readonly string[]): Promise<string>;
  /** The token's sign-in (`tenantId` `undefined`: any tenant); 401 invalid_token otherwise. */
  verify(kind: PendingKind, token: string, tenantId: string | null | undefined): Promise<PendingSignIn>;
  /** True while the user's credentials are those the first factor was passed with. */
  stillValid(user: StoredUser, pending: PendingSignIn): boolean;
}

/**
 * The tokens between a first factor and the session: HS256 with the verify secrets, each kind
 * under its own `typ`, bound to the user's credentials (a password change voids them) and spent
 * once.
 */
export function mfaTokens(ring: KeyRing, issuer: string): MfaTokens {
  const typ = (kind: PendingKind) => (kind === 'mfa' ? MFA_TYP : ENROLL_TYP);
  return {
    sign(kind, user, amr) {
      const claims: Record<string, unknown> = { amr: [...amr], fp: credentialFingerprint(ring.signer.raw as Uint8Array, user) };
      if (user.tenant_id !== null) claims.tid = user.tenant_id;
      return signJwt(claims, { typ: typ(kind), ring, ttl: kind === 'mfa' ? MFA_TTL : ENROLL_TTL, issuer, subject: String(user.id) });
    },
    async verify(kind, token, tenantId) {
      const claims = await verifyJwt(token, { typ: typ(kind), ring, issuer, required: ['sub', 'amr', 'fp', 'jti'] });
      if (tenantId !== undefined) checkTenant(claims, tenantId);
      const { sub, amr, jti, fp } = claims;
      if (typeof sub !== 'string' || !Array.isArray(amr) || !amr.every((v) => typeof v === 'string') || typeof jti !== 'string' || typeof fp !== 'string') throw invalidToken();
      return { userId: sub, tenantId: (claims.tid as string | undefined) ?? null, amr: amr as string[], id: jti, expiresAt: claims.exp as number, fingerprint: fp };
    },
    stillValid: (user, pending) => anyRawKey(ring, (raw) => fingerprintMatches(raw, user, pending.fingerprint, 'credentials')),
  };
}
