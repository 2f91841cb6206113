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
    .setJti(randomUUID());
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
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw invalidToken();
  let kid: unknown;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch (error) {
    throw invalidToken(error);
  }
  // A token without a `kid` (issued before key ids) can only be checked against the signing key.
  const entry = kid === undefined ? options.ring.signer : typeof kid === 'string' ? options.ring.byKid.get(kid) : undefined;
  if (!entry) throw invalidToken();
  try {
    const { payload } = await jwtVerify(token, entry.key, {
      algorithms: [entry.alg],
      ...(options.audience !== undefined ? { audience: options.audience } : {}),
      typ: options.typ,
      issuer: options.issuer,
      requiredClaims: ['exp', 'iat', ...options.required],
      clockTolerance: CLOCK_TOLERANCE,
    });
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + CLOCK_TOLERANCE) throw invalidToken();
    return payload;
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (error instanceof joseErrors.JWTExpired) throw new AppError('invalid_token', 'The token has expired', { cause: error.code });
    throw invalidToken(error);
  }
}

/** A token of another tenant than the request's is no token at all here. */
export function checkTenant(claims: JWTPayload, tenantId: string | null): void {
  if ((claims.tid ?? null) !== tenantId) throw invalidToken();
}

export function invalidToken(cause?: unknown): AppError {
  const code = cause instanceof joseErrors.JOSEError ? cause.code : undefined;
  return new AppError('invalid_token', 'The token is invalid', { cause: code });
}
