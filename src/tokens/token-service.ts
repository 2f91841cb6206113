import { randomUUID, webcrypto } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { isReservedClaim, type Config } from '../config/load-config.js';
import type { StoredUser } from '../backends/types.js';
import { AppError } from '../http/errors.js';
import { credentialFingerprint, fingerprintMatches } from './fingerprint.js';

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
const ALG = 'HS256';
/** Larger tokens are refused before any parsing. */
const MAX_TOKEN_LENGTH = 8192;

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
  readonly #access: Uint8Array<ArrayBuffer>;
  readonly #refresh: Uint8Array<ArrayBuffer>;
  readonly #verify: Uint8Array<ArrayBuffer>;
  /** Each secret imported once as a WebCrypto key: jose would import a raw key on every call. */
  readonly #imported = new Map<Uint8Array<ArrayBuffer>, Promise<webcrypto.CryptoKey>>();
  readonly #jwt: Config['jwt'];
  readonly #multiTenant: boolean;

  constructor(config: Pick<Config, 'jwt' | 'tenancy'>) {
    const encoder = new TextEncoder();
    this.#access = encoder.encode(config.jwt.accessSecret);
    this.#refresh = encoder.encode(config.jwt.refreshSecret);
    this.#verify = encoder.encode(config.jwt.verifySecret);
    this.#jwt = config.jwt;
    this.#multiTenant = config.tenancy.enabled;
  }

  /** An access token and (unless impersonating) a refresh token for `user`. */
  async issue(user: StoredUser, options: AccessOptions = {}): Promise<IssuedTokens> {
    const access = await this.signAccess(user, options);
    if (options.actor) return { access_token: access, token_type: 'Bearer', expires_in: this.#jwt.impersonationTtl };
    const refresh = await this.#sign(
      { ...this.#tenantClaim(user), fp: credentialFingerprint(this.#refresh, user) },
      { typ: TYP.refresh, key: this.#refresh, ttl: this.#jwt.refreshTtl, subject: String(user.id) },
    );
    return { access_token: access, refresh_token: refresh, token_type: 'Bearer', expires_in: this.#jwt.accessTtl };
  }

  signAccess(user: StoredUser, options: AccessOptions = {}): Promise<string> {
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
    return this.#sign(claims, { typ: TYP.access, key: this.#access, ttl, subject: String(user.id) });
  }

  /** A mailed token for `action`; `user` is the existing account it acts on, if any. */
  signVerification(
    action: VerifyAction,
    data: { email: string; tenantId: string | null; user?: StoredUser; role?: string },
  ): Promise<string> {
    const claims: Record<string, unknown> = { action, email: data.email };
    if (data.tenantId !== null) claims.tid = data.tenantId;
    if (data.role !== undefined) claims.role = data.role;
    if (data.user) claims.fp = credentialFingerprint(this.#verify, data.user);
    return this.#sign(claims, {
      typ: TYP.verify,
      key: this.#verify,
      ttl: this.#jwt.verifyTtl,
      subject: data.user ? String(data.user.id) : undefined,
    });
  }

  async verifyAccess(token: string, tenantId: string | null): Promise<AccessClaims> {
    const claims = await this.#verifyJwt(token, TYP.access, this.#access, ['sub', 'email', 'role']);
    this.#checkTenant(claims, tenantId);
    return claims as AccessClaims;
  }

  async verifyRefresh(token: string, tenantId: string | null): Promise<RefreshClaims> {
    const claims = await this.#verifyJwt(token, TYP.refresh, this.#refresh, ['sub', 'fp']);
    this.#checkTenant(claims, tenantId);
    return claims as RefreshClaims;
  }

  async verifyVerification(token: string, tenantId: string | null): Promise<VerifyClaims> {
    const claims = await this.#verifyJwt(token, TYP.verify, this.#verify, ['action', 'email']);
    this.#checkTenant(claims, tenantId);
    if (!VERIFY_ACTIONS.includes(claims.action as VerifyAction) || typeof claims.email !== 'string') {
      throw invalidToken();
    }
    return claims as VerifyClaims;
  }

  /** The signed, short-lived value of the OAuth state cookie. */
  signOAuthFlow(flow: OAuthFlow): Promise<string> {
    return this.#sign({ ...flow }, { typ: TYP.oauthState, key: this.#verify, ttl: OAUTH_STATE_TTL, subject: undefined });
  }

  async verifyOAuthFlow(token: string): Promise<OAuthFlow> {
    const claims = await this.#verifyJwt(token, TYP.oauthState, this.#verify, ['provider', 'state', 'codeVerifier', 'redirect']);
    const { provider, state, codeVerifier, redirect, tid } = claims;
    if ([provider, state, codeVerifier, redirect].some((v) => typeof v !== 'string') || (tid !== undefined && typeof tid !== 'string')) {
      throw invalidToken();
    }
    return { provider, state, codeVerifier, redirect, tid } as OAuthFlow;
  }

  /** True when the refresh token was issued for the user's current credentials. */
  refreshStillValid(user: StoredUser, claims: RefreshClaims): boolean {
    return fingerprintMatches(this.#refresh, user, claims.fp);
  }

  /** True when the mailed token was issued for the user's current credentials. */
  verificationStillValid(user: StoredUser, claims: VerifyClaims): boolean {
    return fingerprintMatches(this.#verify, user, claims.fp);
  }

  #tenantClaim(user: StoredUser): { tid?: string } {
    return this.#multiTenant && user.tenant_id !== null ? { tid: user.tenant_id } : {};
  }

  #checkTenant(claims: JWTPayload, tenantId: string | null): void {
    if ((claims.tid ?? null) !== tenantId) throw invalidToken();
  }

  async #sign(
    claims: Record<string, unknown>,
    options: { typ: string; key: Uint8Array<ArrayBuffer>; ttl: number; subject: string | undefined },
  ): Promise<string> {
    // Reserved claims are set last, so nothing in `claims` can replace them.
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: ALG, typ: options.typ })
      .setIssuer(this.#jwt.issuer)
      .setIssuedAt()
      .setExpirationTime(`${options.ttl}s`)
      .setJti(randomUUID());
    if (options.subject !== undefined) jwt.setSubject(options.subject);
    return jwt.sign(await this.#cryptoKey(options.key));
  }

  #cryptoKey(raw: Uint8Array<ArrayBuffer>): Promise<webcrypto.CryptoKey> {
    let key = this.#imported.get(raw);
    if (!key) {
      key = webcrypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
      this.#imported.set(raw, key);
    }
    return key;
  }

  async #verifyJwt(token: string, typ: string, key: Uint8Array<ArrayBuffer>, required: string[]): Promise<JWTPayload> {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw invalidToken();
    try {
      const { payload } = await jwtVerify(token, await this.#cryptoKey(key), {
        algorithms: [ALG],
        typ,
        issuer: this.#jwt.issuer,
        requiredClaims: ['exp', 'iat', ...required],
        clockTolerance: 5,
      });
      if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + 5) throw invalidToken();
      return payload;
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new AppError('invalid_token', 'The token has expired', { cause: error.code });
      throw invalidToken(error);
    }
  }
}

function invalidToken(cause?: unknown): AppError {
  const code = cause instanceof joseErrors.JOSEError ? cause.code : undefined;
  return new AppError('invalid_token', 'The token is invalid', { cause: code });
}
