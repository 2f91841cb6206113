import type { JWTPayload } from 'jose';
import type { StoredUser } from '../backends/types.js';
import { type Authentication, authenticationClaims } from './authentication.js';
import { CLOCK_TOLERANCE, checkTenant, signJwt, verifyJwt } from './jwt.js';
import type { KeyRing } from './key-ring.js';
import { isReservedClaim } from './reserved-claims.js';
import type { TokenSettings } from './settings.js';

/** The access token's `typ`: no other kind is ever accepted in its place. */
const TYP = 'at+jwt';
/** Access tokens remembered as verified (each a few hundred bytes), oldest forgotten first. */
const VERIFIED_CACHE_SIZE = 10_000;

export interface AccessClaims extends JWTPayload {
  sub: string;
  email: string;
  role: string;
  tid?: string;
  verified_at: string | null;
  act?: { sub: string };
  amr?: string[];
  auth_time?: number;
}

export interface AccessOptions {
  /** Extension claims; any reserved name among them (in any letter case) is dropped. */
  readonly claims?: Record<string, unknown>;
  /** What the `get_user` / `create_or_update_user` hook answered, carried as `hook_data`. */
  readonly hookData?: Record<string, unknown>;
  /** The admin acting as this user (impersonation): a shorter token and no refresh token. */
  readonly actor?: StoredUser;
  /** How and when the sign-in happened (`amr`, `auth_time`). */
  readonly authentication?: Authentication;
  /** The user's roles (the `roles` claim), the main one first. */
  readonly roles?: readonly string[];
}

export interface AccessTokens {
  sign(user: StoredUser, options?: AccessOptions): Promise<string>;
  /** The claims of a valid access token of `tenantId`; 401 `invalid_token` otherwise. */
  verify(token: string, tenantId: string | null): Promise<AccessClaims>;
  /** Seconds an access token lives (shorter while impersonating). */
  lifetime(impersonating: boolean): number;
}

/**
 * Access tokens, signed with the access keys (HS256 or EdDSA/RS256). Tokens this process has
 * already verified are remembered, by audience and token: a client sends the same token with
 * every request of its lifetime, and each WebCrypto verification costs more than the rest of a
 * GET /user. Only tokens jose accepted get in; `exp` is checked again on every hit; the keys
 * cannot change while the process runs, so nothing else can go stale.
 */
export function accessTokens(ring: KeyRing, settings: TokenSettings, multiTenant: boolean): AccessTokens {
  const verified = new Map<string, AccessClaims>();
  const audienceOf = (tenantId: string | null) => settings.audience?.replaceAll('{tenant}', tenantId ?? '');
  return {
    sign(user, options = {}) {
      const claims: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(options.claims ?? {})) if (!isReservedClaim(name)) claims[name] = value;
      if (options.hookData !== undefined) claims.hook_data = options.hookData;
      Object.assign(claims, { email: user.email, role: user.role, roles: [...(options.roles ?? [user.role])], verified_at: user.verified_at }, authenticationClaims(options.authentication));
      if (multiTenant && user.tenant_id !== null) claims.tid = user.tenant_id;
      if (options.actor) claims.act = { sub: String(options.actor.id) };
      const audience = audienceOf(user.tenant_id);
      if (audience !== undefined) claims.aud = audience;
      const ttl = options.actor ? settings.impersonationTtl : settings.accessTtl;
      return signJwt(claims, { typ: TYP, ring, ttl, issuer: settings.issuer, subject: String(user.id) });
    },

    async verify(token, tenantId) {
      const audience = audienceOf(tenantId);
      const key = audience === undefined ? token : `${audience}\u0000${token}`;
      let claims = verified.get(key);
      if (claims === undefined || !(typeof claims.exp === 'number' && claims.exp > Math.floor(Date.now() / 1000) - CLOCK_TOLERANCE)) {
        if (claims !== undefined) verified.delete(key);
        const payload = await verifyJwt(token, { typ: TYP, ring, issuer: settings.issuer, required: ['sub', 'email', 'role'], audience });
        claims = Object.freeze(payload as AccessClaims);
        if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
        verified.set(key, claims);
      }
      checkTenant(claims, tenantId);
      return claims;
    },

    lifetime: (impersonating) => (impersonating ? settings.impersonationTtl : settings.accessTtl),
  };
}
