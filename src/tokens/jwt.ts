import { randomUUID } from 'node:crypto';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { AppError } from '../core/errors.js';
import type { KeyRing } from './key-ring.js';

/** Larger tokens are refused before any parsing. */
const MAX_TOKEN_LENGTH = 8192;
/** Seconds of clock skew tolerated on `exp` (and on a future `iat`). */
export const CLOCK_TOLERANCE = 5;

/** What every token kind is signed with: its `typ`, its keys, its lifetime. */
interface SignOptions {
  readonly typ: string;
  readonly ring: KeyRing;
  /** Seconds. */
  readonly ttl: number;
  readonly issuer: string;
  readonly subject: string | undefined;
  /** The token's `jti` (random unless given: tokens that share one id, as a mailed code's and link's). */
  readonly jwtId?: string;
}

/**
 * Signs `claims` with the ring's current key. The registered claims (`iss`, `iat`, `exp`, `jti`,
 * `sub`) are set last, so nothing in `claims` can replace them.
 */
export function signJwt(claims: Record<string, unknown>, options: SignOptions): Promise<string> {
  const { signer } = options.ring;
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: signer.alg, typ: options.typ, kid: signer.kid })
    .setIssuer(options.issuer)
    .setIssuedAt()
    .setExpirationTime(`${options.ttl}s`)
    .setJti(options.jwtId ?? randomUUID());
  if (options.subject !== undefined) jwt.setSubject(options.subject);
  return jwt.sign(signer.key);
}

interface VerifyOptions {
  readonly typ: string;
  readonly ring: KeyRing;
  readonly issuer: string;
  /** Claims that must be present besides `exp` and `iat`. */
  readonly required: readonly string[];
  readonly audience?: string;
}

/**
 * Verifies a token of one kind: only that kind's algorithm and keys (chosen by `kid` among our
 * own; nothing in a header is ever fetched), its `typ`, `iss`, `exp`, `iat` and the required
 * claims. Any failure is a 401 `invalid_token`.
 */
export async function verifyJwt(token: string, options: VerifyOptions): Promise<JWTPayload> {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw invalidToken(undefined, 'The token is not a JWT of an accepted size');
  let kid: unknown;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch (error) {
    throw invalidToken(error, 'The token is not a JWT');
  }
  // A token without a `kid` (issued before key ids) can only be checked against the signing key.
  const entry = kid === undefined ? options.ring.signer : typeof kid === 'string' ? options.ring.byKid.get(kid) : undefined;
  if (!entry) throw invalidToken(undefined, 'The token was signed with a key this gateway does not have');
  try {
    const { payload } = await jwtVerify(token, entry.key, {
      algorithms: [entry.alg],
      ...(options.audience !== undefined ? { audience: options.audience } : {}),
      typ: options.typ,
      issuer: options.issuer,
      requiredClaims: ['exp', 'iat', ...options.required],
      clockTolerance: CLOCK_TOLERANCE,
    });
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + CLOCK_TOLERANCE) throw invalidToken(undefined, 'The token was issued in the future');
    return payload;
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw invalidToken(error, reasonOf(error));
  }
}

/**
 * Why jose refused a token, in words a client may act on — the code stays `invalid_token`, so
 * clients matching on it keep working; the reason is the message and RFC 6750's
 * `error_description`. Nothing secret: which check failed, never a key or a claim's value.
 */
function reasonOf(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'The token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    const claim: Record<string, string> = {
      aud: 'The token was issued for another audience',
      iss: 'The token was issued by another issuer',
      typ: 'The token is of another kind (an access, refresh or mailed-link token used in the wrong place)',
      nbf: 'The token is not valid yet',
    };
    return claim[error.claim] ?? `The token lacks a valid ${error.claim} claim`;
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'The token signature does not verify';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'The token algorithm is not accepted';
  return 'The token is invalid';
}

/** A token of another tenant than the request's is no token at all here. */
export function checkTenant(claims: JWTPayload, tenantId: string | null): void {
  if ((claims.tid ?? null) !== tenantId) throw invalidToken(undefined, 'The token belongs to another tenant');
}

export function invalidToken(cause?: unknown, reason = 'The token is invalid'): AppError {
  const code = cause instanceof joseErrors.JOSEError ? cause.code : undefined;
  return new AppError('invalid_token', reason, { cause: code });
}
