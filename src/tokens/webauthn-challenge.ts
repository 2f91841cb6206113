import { checkTenant, invalidToken, signJwt, verifyJwt } from './jwt.js';
import type { KeyRing } from './key-ring.js';

const TYP = 'webauthn+jwt';
/** Seconds a ceremony may take (the browser's own timeout is the same). */
export const CEREMONY_TTL = 300;

/** What a ceremony's challenge token holds: its challenge, its kind, and (registration) the user. */
interface Ceremony {
  readonly challenge: string;
  readonly purpose: 'register' | 'login';
  readonly userId: string | undefined;
  readonly tenantId: string | null;
  /** Spent when the ceremony finishes. */
  readonly id: string;
  readonly expiresAt: number;
}

export interface WebAuthnChallenges {
  sign(ceremony: Pick<Ceremony, 'challenge' | 'purpose' | 'userId' | 'tenantId'>): Promise<string>;
  verify(token: string, purpose: Ceremony['purpose'], tenantId: string | null): Promise<Ceremony>;
}

/** The signed challenge tokens of WebAuthn ceremonies: HS256 with the verify secrets, spent once by the caller. */
export function webauthnChallenges(ring: KeyRing, issuer: string): WebAuthnChallenges {
  return {
    sign({ challenge, purpose, userId, tenantId }) {
      const claims: Record<string, unknown> = { challenge, purpose };
      if (tenantId !== null) claims.tid = tenantId;
      return signJwt(claims, { typ: TYP, ring, ttl: CEREMONY_TTL, issuer, subject: userId });
    },
    async verify(token, purpose, tenantId) {
      const claims = await verifyJwt(token, { typ: TYP, ring, issuer, required: ['challenge', 'purpose', 'jti'] });
      checkTenant(claims, tenantId);
      if (claims.purpose !== purpose || typeof claims.challenge !== 'string' || typeof claims.jti !== 'string') throw invalidToken(undefined, 'The challenge is for another ceremony');
      if (purpose === 'register' && typeof claims.sub !== 'string') throw invalidToken();
      return { challenge: claims.challenge, purpose, userId: claims.sub, tenantId: (claims.tid as string | undefined) ?? null, id: claims.jti, expiresAt: claims.exp as number };
    },
  };
}
