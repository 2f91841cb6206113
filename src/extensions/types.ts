import type { StoredUser } from '../backends/types.js';

/** What an extension sees when an access token is built. */
interface ClaimContext {
  readonly user: StoredUser;
  /** The tenant, when multi-tenancy is on. */
  readonly tenantId: string | null;
  /** The admin acting as the user (impersonation). */
  readonly actor: StoredUser | undefined;
  /** The user's roles, the main one first (one, unless the operator's data lists several). */
  readonly roles: readonly string[];
  /** `x-hasura-*` values from the operator's data (JWT_CLAIMS_QUERY, HTTP_CLAIMS_URL), lower-cased names. */
  readonly hasura: Readonly<Record<string, unknown>>;
}

/**
 * A JWT claim extension (the Authura README's `JwtExtension`): adds claims to access tokens.
 * Its claims go under its own top-level key(s); reserved claims are set after it, so an
 * extension can add but never replace `sub`, `exp`, `role`, `tid` or the like.
 */
export interface JwtExtension {
  readonly name: string;
  claims(context: ClaimContext): Record<string, unknown>;
}
