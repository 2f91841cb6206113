import { randomUUID } from 'node:crypto';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import { isReservedClaim, type Config } from '../config/load-config.js';
import type { StoredUser } from '../backends/types.js';
import { AppError } from '../http/errors.js';
import { credentialFingerprint, fingerprintMatches, type FingerprintScope } from './fingerprint.js';
import { asymmetricRing, hmacRing, type KeyRing } from './key-ring.js';

/** The actions a mailed (verification) token can carry. */
export const VERIFY_ACTIONS = ['verify-email', 'reset-password', 'change-email', 'invite'] as const;
export type VerifyAction = (typeof VERIFY_ACTIONS)[number];

/** `typ` header of each kind: no kind is ever accepted where another is expected. */
const TYP = { access: 'at+jwt', refresh: 'refresh+jwt', verify: 'verify+jwt', oauthState: 'oauth-state+jwt' } as const;
/** An OAuth sign-in must come back within this many seconds. */
export const OAUTH_STATE_TTL = 600;

/** What the OAuth state cookie carries between the start and the callback. */
export interface OAuthFlow {
  provider: string;
  state: string;
  codeVerifier: string;
  redirect: string;
  tid?: string;
}
/** Larger tokens are refused before any parsing. */
const MAX_TOKEN_LENGTH = 8192;
/** Seconds of clock skew tolerated on `exp` (and on a future `iat`). */
const CLOCK_TOLERANCE = 5;
/** Access tokens remembered as verified (each a few hundred bytes), oldest forgotten first. */
const VERIFIED_CACHE_SIZE = 10_000;

export interface AccessClaims extends JWTPayload {
  sub: string;
  email: string;
  role: string;
  tid?: string;
  verified_at: string | null;
  act?: { sub: string };
}

export interface RefreshClaims extends JWTPayload {
  sub: string;
  tid?: string;
  fp: string;
}

export interface VerifyClaims extends JWTPayload {
  action: VerifyAction;
  /** The address the mail went to: the new address for `change-email`. */
  email: string;
  tid?: string;
  /** The existing user's id (reset-password, change-email). */
  sub?: string;
  /** Credential fingerprint of the existing user when the token was mailed. */
  fp?: string;
  /** The role an invitation grants. */
  role?: string;
}

export interface IssuedTokens {
  access_token: string;
  refresh_token?: string;
  token_type: 'Bearer';
  expires_in: number;
}

export interface AccessOptions {
  /** Extension claims; any reserved name among them (in any letter case) is dropped. */
  readonly claims?: Record<string, unknown>;
  /** What the `get_user` / `create_or_update_user` hook answered, carried as `hook_data`. */
  readonly hookData?: Record<string, unknown>;
  /** The admin acting as this user (impersonation): a shorter token and no refresh token. */
  readonly actor?: StoredUser;
}

/**
 * Signs and verifies the three token kinds with jose, each with its own secret and `typ`.
 * Built once from the config; holds the encoded keys.
 */
export class TokenService {
  /** Imported once, each kind with its own keys (several while rotating). */
  readonly #rings: Promise<{ access: KeyRing; refresh: KeyRing; verify: KeyRing }>;
  readonly #jwt: Config['jwt'];
  readonly #multiTenant: boolean;
  /**
   * Access tokens this process has already verified, by audience and token: a client sends the
   * same token with every request of its lifetime, and each WebCrypto verification costs more
   * than the rest of a GET /user. Only tokens jose accepted get in; `exp` is checked again on
   * every hit; the keys cannot change while the process runs, so nothing else can go stale.
   */
  readonly #verifiedAccess = new Map<string, AccessClaims>();

  constructor(config: Pick<Config, 'jwt' | 'tenancy'>) {
    const { jwt } = config;
    this.#jwt = jwt;
    this.#multiTenant = config.tenancy.enabled;
    this.#rings = (async () => ({
      access:
        jwt.algorithm === 'HS256' ? await hmacRing(jwt.accessSecret, jwt.previousSecrets.access) : await asymmetricRing(jwt.algorithm, jwt.privateKeys),
      refresh: await hmacRing(jwt.refreshSecret, jwt.previousSecrets.refresh),
      verify: await hmacRing(jwt.verifySecret, jwt.previousSecrets.verify),
    }))();
    // Surfaced by `ready()`; kept from becoming an unhandled rejection meanwhile.
    this.#rings.catch(() => undefined);
  }

  /** Resolves once every key is imported; rejects with a clear message for a bad key. */
  async ready(): Promise<void> {
    await this.#rings;
  }

  /** The public keys of access tokens, for /.well-known/jwks.json (none with HS256). */
  async jwks(): Promise<{ keys: JWK[] }> {
    return { keys: [...(await this.#rings).access.publicJwks] };
  }

  /** An access token and (unless impersonating) a refresh token for `user`. */
  async issue(user: StoredUser, options: AccessOptions = {}): Promise<IssuedTokens> {
    if (options.actor) {
      return { access_token: await this.signAccess(user, options), token_type: 'Bearer', expires_in: this.#jwt.impersonationTtl };
    }
    const { refresh: ring } = await this.#rings;
    // Both signatures at once: each is a WebCrypto job on libuv's thread pool, and two queued
    // together cost one wake-up of the pool instead of two (/refresh +6–7 %, 20 µs less CPU each:
    // BENCHMARKS.md).
    const [access, refresh] = await Promise.all([
      this.signAccess(user, options),
      this.#sign(
        { ...this.#tenantClaim(user), fp: credentialFingerprint(ring.signer.raw as Uint8Array, user, 'session') },
        { typ: TYP.refresh, ring, ttl: this.#jwt.refreshTtl, subject: String(user.id) },
      ),
    ]);
    return { access_token: access, refresh_token: refresh, token_type: 'Bearer', expires_in: this.#jwt.accessTtl };
  }

  async signAccess(user: StoredUser, options: AccessOptions = {}): Promise<string> {
    const claims: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(options.claims ?? {})) if (!isReservedClaim(name)) claims[name] = value;
    if (options.hookData !== undefined) claims.hook_data = options.hookData;
    Object.assign(claims, {
      email: user.email,
      role: user.role,
      verified_at: user.verified_at,
      ...this.#tenantClaim(user),
    });
    if (options.actor) claims.act = { sub: String(options.actor.id) };
    const ttl = options.actor ? this.#jwt.impersonationTtl : this.#jwt.accessTtl;
    const audience = this.#audience(user.tenant_id);
    if (audience !== undefined) claims.aud = audience;
    return this.#sign(claims, { typ: TYP.access, ring: (await this.#rings).access, ttl, subject: String(user.id) });
  }

  /** A mailed token for `action`; `user` is the existing account it acts on, if any. */
  async signVerification(
    action: VerifyAction,
    data: { email: string; tenantId: string | null; user?: StoredUser; role?: string },
  ): Promise<string> {
    const claims: Record<string, unknown> = { action, email: data.email };
    if (data.tenantId !== null) claims.tid = data.tenantId;
    if (data.role !== undefined) claims.role = data.role;
    const { verify: ring } = await this.#rings;
    if (data.user) claims.fp = credentialFingerprint(ring.signer.raw as Uint8Array, data.user);
    return this.#sign(claims, {
      typ: TYP.verify,
      ring,
      ttl: this.#jwt.verifyTtl,
      subject: data.user ? String(data.user.id) : undefined,
    });
  }

  async verifyAccess(token: string, tenantId: string | null): Promise<AccessClaims> {
    const audience = this.#audience(tenantId);
    const key = audience === undefined ? token : `${audience}\u0000${token}`;
    let claims = this.#verifiedAccess.get(key);
    if (claims === undefined || !(typeof claims.exp === 'number' && claims.exp > Math.floor(Date.now() / 1000) - CLOCK_TOLERANCE)) {
      if (claims !== undefined) this.#verifiedAccess.delete(key);
      claims = Object.freeze(
        (await this.#verifyJwt(token, TYP.access, (await this.#rings).access, ['sub', 'email', 'role'], audience)) as AccessClaims,
      );
      if (this.#verifiedAccess.size >= VERIFIED_CACHE_SIZE) this.#verifiedAccess.delete(this.#verifiedAccess.keys().next().value as string);
      this.#verifiedAccess.set(key, claims);
    }
    this.#checkTenant(claims, tenantId);
    return claims;
  }

  async verifyRefresh(token: string, tenantId: string | null): Promise<RefreshClaims> {
    const claims = await this.#verifyJwt(token, TYP.refresh, (await this.#rings).refresh, ['sub', 'fp']);
    this.#checkTenant(claims, tenantId);
    return claims as RefreshClaims;
  }

  async verifyVerification(token: string, tenantId: string | null): Promise<VerifyClaims> {
    const claims = await this.#verifyJwt(token, TYP.verify, (await this.#rings).verify, ['action', 'email']);
    this.#checkTenant(claims, tenantId);
    if (!VERIFY_ACTIONS.includes(claims.action as VerifyAction) || typeof claims.email !== 'string') {
      throw invalidToken();
    }
    return claims as VerifyClaims;
  }

  /** The signed, short-lived value of the OAuth state cookie. */
  async signOAuthFlow(flow: OAuthFlow): Promise<string> {
    return this.#sign({ ...flow }, { typ: TYP.oauthState, ring: (await this.#rings).verify, ttl: OAUTH_STATE_TTL, subject: undefined });
  }

  async verifyOAuthFlow(token: string): Promise<OAuthFlow> {
    const claims = await this.#verifyJwt(token, TYP.oauthState, (await this.#rings).verify, ['provider', 'state', 'codeVerifier', 'redirect']);
    const { provider, state, codeVerifier, redirect, tid } = claims;
    if ([provider, state, codeVerifier, redirect].some((v) => typeof v !== 'string') || (tid !== undefined && typeof tid !== 'string')) {
      throw invalidToken();
    }
    return { provider, state, codeVerifier, redirect, tid } as OAuthFlow;
  }

  /** True when the refresh token was issued for the user's current credentials. */
  async refreshStillValid(user: StoredUser, claims: RefreshClaims): Promise<boolean> {
    return anyFingerprintMatches((await this.#rings).refresh, user, claims.fp, 'session');
  }

  /** True when the mailed token was issued for the user's current credentials. */
  async verificationStillValid(user: StoredUser, claims: VerifyClaims): Promise<boolean> {
    return anyFingerprintMatches((await this.#rings).verify, user, claims.fp, 'credentials');
  }

  #audience(tenantId: string | null): string | undefined {
    return this.#jwt.audience?.replaceAll('{tenant}', tenantId ?? '');
  }

  #tenantClaim(user: StoredUser): { tid?: string } {
    return this.#multiTenant && user.tenant_id !== null ? { tid: user.tenant_id } : {};
  }

  #checkTenant(claims: JWTPayload, tenantId: string | null): void {
    if ((claims.tid ?? null) !== tenantId) throw invalidToken();
  }

  async #sign(
    claims: Record<string, unknown>,
    options: { typ: string; ring: KeyRing; ttl: number; subject: string | undefined },
  ): Promise<string> {
    const { signer } = options.ring;
    // Reserved claims are set last, so nothing in `claims` can replace them.
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: signer.alg, typ: options.typ, kid: signer.kid })
      .setIssuer(this.#jwt.issuer)
      .setIssuedAt()
      .setExpirationTime(`${options.ttl}s`)
      .setJti(randomUUID());
    if (options.subject !== undefined) jwt.setSubject(options.subject);
    return jwt.sign(signer.key);
  }

  async #verifyJwt(token: string, typ: string, ring: KeyRing, required: string[], audience?: string): Promise<JWTPayload> {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw invalidToken();
    let kid: unknown;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch (error) {
      throw invalidToken(error);
    }
    // The key is chosen by `kid` among our own; a token without one (issued before key ids) can
    // only be checked against the signing key. Nothing in a header is ever fetched.
    const entry = kid === undefined ? ring.signer : typeof kid === 'string' ? ring.byKid.get(kid) : undefined;
    if (!entry) throw invalidToken();
    try {
      const { payload } = await jwtVerify(token, entry.key, {
        algorithms: [entry.alg],
        ...(audience !== undefined ? { audience } : {}),
        typ,
        issuer: this.#jwt.issuer,
        requiredClaims: ['exp', 'iat', ...required],
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
}

/** A fingerprint made with any of the ring's secrets (the current one or one being retired). */
function anyFingerprintMatches(ring: KeyRing, user: StoredUser, fingerprint: unknown, scope: FingerprintScope): boolean {
  return [...ring.byKid.values()].some((k) => k.raw !== undefined && fingerprintMatches(k.raw, user, fingerprint, scope));
}

function invalidToken(cause?: unknown): AppError {
  const code = cause instanceof joseErrors.JOSEError ? cause.code : undefined;
  return new AppError('invalid_token', 'The token is invalid', { cause: code });
}
