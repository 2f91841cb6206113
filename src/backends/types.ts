/** A user id as the backend stores it: SERIAL integers or strings such as UUIDs. */
export type UserId = number | string;

/** A user row as every backend returns it. `password` is the bcrypt hash. */
export interface StoredUser {
  readonly id: UserId;
  readonly email: string;
  readonly role: string;
  readonly password: string;
  /** `null` when multi-tenancy is off. */
  readonly tenant_id: string | null;
  /** ISO 8601 timestamp, or `null` for a user whose email was never verified. */
  readonly verified_at: string | null;
  /**
   * How many times the user logged out with a refresh token (SESSION_VERSION_COLUMN); part of
   * the refresh tokens' fingerprint. Absent when the store keeps no such counter.
   */
  readonly session_version?: number;
}

export type NewUser = Omit<StoredUser, 'id' | 'session_version'>;

/** The fields the gateway ever changes on an existing user (`session_version` only where kept). */
export type UserPatch = Partial<Pick<StoredUser, 'email' | 'role' | 'password' | 'verified_at' | 'session_version'>>;

/**
 * The storage contract every backend implements (sqlite, postgres, hasura, http).
 *
 * - Emails are passed in canonical form (trimmed, lower-case); backends compare them exactly.
 * - Lookups are always scoped by tenant: `tenantId` `null` matches only rows whose tenant is null.
 * - "Not found" is `null`, never an error.
 * - `create` and `update` are single atomic writes; a unique (email, tenant) violation throws
 *   {@link BackendError} with code `conflict` and writes nothing.
 * - Any other failure throws {@link BackendError} (`unavailable`, `timeout` or `bad_response`).
 */
export interface UserBackend {
  readonly kind: string;
  findByEmail(email: string, tenantId: string | null): Promise<StoredUser | null>;
  findById(id: UserId, tenantId: string | null): Promise<StoredUser | null>;
  create(user: NewUser): Promise<StoredUser>;
  /** Returns the updated user, or `null` when no user has that id in that tenant. */
  update(id: UserId, tenantId: string | null, patch: UserPatch): Promise<StoredUser | null>;
  /** Resolves when the backend answers; rejects with a {@link BackendError} otherwise. */
  ping(): Promise<void>;
  /**
   * What this store can do beyond the calls above, found out from the store (or its
   * configuration) once and then remembered; a feature that needs one the store lacks refuses to
   * start. Rejects with a {@link BackendError} while the store cannot be asked.
   */
  capabilities(): Promise<BackendCapabilities>;
  close(): Promise<void>;
}

/** The optional parts of the contract. */
interface BackendCapabilities {
  /**
   * The store keeps a per-user `session_version` (SESSION_VERSION_COLUMN), returned on every
   * row and written by `update`: logout can then revoke refresh tokens.
   */
  readonly sessionVersion: boolean;
}

type BackendErrorCode = 'conflict' | 'unavailable' | 'timeout' | 'bad_response';

export class BackendError extends Error {
  readonly code: BackendErrorCode;
  constructor(code: BackendErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'BackendError';
    this.code = code;
  }
}
