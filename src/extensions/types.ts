import type { StoredUser } from '../backends/types.js';

/** What an extension sees when an access token is built. */
interface ClaimContext {
  readonly user: StoredUser;
  /** The tenant, when multi-tenancy is on. */
  readonly tenantId: string | null;
  /** The admin acting as the user (impersonation). */
  readonly actor: StoredUser | undefined;
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
