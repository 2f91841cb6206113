import { createHmac, hkdfSync, randomInt, randomUUID } from 'node:crypto';
import { decodeProtectedHeader, type JWTPayload } from 'jose';
import { safeEqual } from '../core/safe-equal.js';
import { checkTenant, invalidToken, signJwt, verifyJwt } from './jwt.js';
import type { KeyRing } from './key-ring.js';

/** The challenge the asking device keeps, and the link in the mail: two kinds, one id. */
const CHALLENGE_TYP = 'passwordless-challenge+jwt';
const LINK_TYP = 'passwordless+jwt';
/** HKDF's label for the key of the codes' keyed hashes: no other use of the verify secret shares it. */
const CODE_KEY_LABEL = 'authura passwordless code v1';

/** One passwordless sign-in as mailed: its id, the code, and the two tokens. */
interface IssuedPasswordless {
  /** Shared by the code and the link: spending either spends both. */
  readonly id: string;
  readonly code: string;
  /** For the device that asked: the address, the tenant and the code's keyed hash — no user id. */
  readonly challenge: string;
  /** For the mailed link. */
  readonly link: string;
}

/** What a verified challenge or link says. */
export interface PasswordlessClaims {
  readonly id: string;
  readonly email: string;
  readonly tenantId: string | null;
  /** Seconds: when the code and link stop working. */
  readonly expiresAt: number;
}

export interface PasswordlessTokens {
  issue(email: string, tenantId: string | null): Promise<IssuedPasswordless>;
  /**
   * A challenge of this gateway (`tenantId` `undefined`: of whichever tenant), and whether `code`
   * is its code. Any failure of the challenge itself is a 401 `invalid_token`.
   */
  verifyChallenge(challenge: string, code: string, tenantId: string | null | undefined): Promise<PasswordlessClaims & { readonly codeMatches: boolean }>;
  verifyLink(token: string, tenantId: string | null | undefined): Promise<PasswordlessClaims>;
  /** A key naming the address (keyed, so a store's rows say nothing about it) for its count of wrong codes. */
  addressKey(email: string, tenantId: string | null): string;
}

/**
 * Passwordless challenges and links (HS256 with the verify secrets, under their own `typ`s). The
 * code itself is in neither: the challenge holds its keyed hash, HMAC-SHA256 under a key derived
 * (HKDF-SHA256) from the verify secret that signed the challenge — rotating with it —, of the id
 * and the code: without the secret the challenge says nothing about the code.
 */
export function passwordlessTokens(ring: KeyRing, settings: { issuer: string; ttl: number; codeLength: number }): PasswordlessTokens {
  const codeKeys = new Map([...ring.byKid].map(([kid, key]) => [kid, Buffer.from(hkdfSync('sha256', key.raw as Uint8Array, new Uint8Array(0), CODE_KEY_LABEL, 32))]));
  const signerKey = codeKeys.get(ring.signer.kid) as Buffer;
  const codeHash = (key: Buffer, id: string, code: string) => createHmac('sha256', key).update(`${id}.${code}`).digest('base64url');
  const sign = (typ: string, id: string, claims: Record<string, unknown>) =>
    signJwt(claims, { typ, ring, ttl: settings.ttl, issuer: settings.issuer, subject: undefined, jwtId: id });
  const read = async (token: string, typ: string, tenantId: string | null | undefined, required: string[]): Promise<JWTPayload & { email: string; jti: string }> => {
    const claims = await verifyJwt(token, { typ, ring, issuer: settings.issuer, required: ['email', 'jti', ...required] });
    if (tenantId !== undefined) checkTenant(claims, tenantId);
    if (typeof claims.email !== 'string' || typeof claims.jti !== 'string' || (claims.tid !== undefined && typeof claims.tid !== 'string')) throw invalidToken();
    return claims as JWTPayload & { email: string; jti: string };
  };
  const claimsOf = (claims: JWTPayload & { email: string; jti: string }): PasswordlessClaims => ({
    id: claims.jti,
    email: claims.email,
    tenantId: (claims.tid as string | undefined) ?? null,
    expiresAt: claims.exp as number,
  });
  return {
    async issue(email, tenantId) {
      const id = randomUUID();
      const code = String(randomInt(0, 10 ** settings.codeLength)).padStart(settings.codeLength, '0');
      const common = tenantId === null ? { email } : { email, tid: tenantId };
      const [challenge, link] = await Promise.all([sign(CHALLENGE_TYP, id, { ...common, ch: codeHash(signerKey, id, code) }), sign(LINK_TYP, id, common)]);
      return { id, code, challenge, link };
    },
    async verifyChallenge(challenge, code, tenantId) {
      const claims = await read(challenge, CHALLENGE_TYP, tenantId, ['ch']);
      // The key of the secret that signed it (verifyJwt found it by kid, or the signer's).
      const kid = decodeProtectedHeader(challenge).kid;
      const key = typeof kid === 'string' ? codeKeys.get(kid) : signerKey;
      if (key === undefined || typeof claims.ch !== 'string') throw invalidToken();
      return { ...claimsOf(claims), codeMatches: safeEqual(codeHash(key, claims.jti, code), claims.ch) };
    },
    async verifyLink(token, tenantId) {
      return claimsOf(await read(token, LINK_TYP, tenantId, []));
    },
    addressKey: (email, tenantId) => createHmac('sha256', signerKey).update(`address\0${tenantId ?? ''}\0${email}`).digest('base64url').slice(0, 22),
  };
}
