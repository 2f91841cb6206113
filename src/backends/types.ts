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
 * What an update requires the row to still hold — the credentials read before deciding to write
 * (a field left out, or `undefined`, is not checked; `session_version` only where kept).
 */
export type UserExpectation = Partial<Pick<StoredUser, 'email' | 'role' | 'password' | 'session_version'>>;

/** The fields an expectation can name, in a fixed order. */
export const EXPECTABLE = ['email', 'role', 'password', 'session_version'] as const;

/** `user`'s credentials as an expectation: the row must still be the one that was read. */
export function unchanged(user: StoredUser): UserExpectation {
  return { email: user.email, role: user.role, password: user.password, session_version: user.session_version };
}

/**
 * The storage contract every backend implements (sqlite, postgres, hasura, http).
 *
 * - Emails are passed in canonical form (trimmed, lower-case); backends compare them exactly.
 * - Lookups are always scoped by tenant: `tenantId` `null` matches only rows whose tenant is null.
 * - "Not found" is `null`, never an error.
 * - `create` and `update` are single atomic writes; a unique (email, tenant) violation throws
 *   {@link BackendError} with code `conflict` and writes nothing.
 * - Any other failure throws {@link BackendError} (`unavailable`, `timeout`, `refused` or `bad_response`).
 * - `capabilities()` also checks that the table fits the configuration (every mapped column, of a
 *   usable type): a `refused` error otherwise.
 */
export interface UserBackend {
  readonly kind: string;
  findByEmail(email: string, tenantId: string | null): Promise<StoredUser | null>;
  findById(id: UserId, tenantId: string | null): Promise<StoredUser | null>;
  create(user: NewUser): Promise<StoredUser>;
  /**
   * Writes `patch` in one atomic step — only if the row still holds every value `expected` names
   * (a conditional update: of two writers that read the same row, one wins). Returns the updated
   * user, or `null` when no user has that id in that tenant or the row no longer matches
   * `expected` (nothing is written then). Without `conditionalUpdate` among its capabilities a
   * backend checks `expected` against a read just before the write instead (not atomic).
   */
  update(id: UserId, tenantId: string | null, patch: UserPatch, expected?: UserExpectation): Promise<StoredUser | null>;
  /** Resolves when the backend answers; rejects with a {@link BackendError} otherwise. */
  ping(): Promise<void>;
  /**
   * What this store can do beyond the calls above, found out from the store (or its
   * configuration) once and then remembered; a feature that needs one the store lacks refuses to
   * start. Rejects with a {@link BackendError} while the store cannot be asked.
   */
  capabilities(): Promise<BackendCapabilities>;
  /**
   * With the `spendOnce` capability: records the mailed link `jti` as used until `expiresAt`
   * (seconds since the epoch) and answers true — or false when it already was. Atomic: of two
   * concurrent calls for one `jti`, one gets true.
   */
  spendLink?(jti: string, expiresAt: number): Promise<boolean>;
  /**
   * How many rows hold an email that is not lower-case (which exact lookups never find): asked
   * once at start, to warn. Absent where the store cannot be asked (HTTP).
   */
  mixedCaseEmails?(): Promise<number>;
  /** With `spendOnce`: forgets a spend whose action did not take place (the link works again). */
  unspendLink?(jti: string): Promise<void>;
  /**
   * With `listUsers`: a page of users in id order — by email prefix (any case), tenant
   * (`undefined`: every tenant), role — after the id `after`; `next` is the last id when more
   * may follow.
   */
  listUsers?(query: UserQuery): Promise<{ users: StoredUser[]; next: string | null }>;
  /** With `deleteUser`: deletes the user while the row still holds `expected`; false otherwise (nothing deleted). */
  deleteUser?(id: UserId, tenantId: string | null, expected?: UserExpectation): Promise<boolean>;
  /**
   * With the `claims` capability: the operator's own data about the user for its tokens
   * (JWT_CLAIMS_QUERY, HTTP_CLAIMS_URL) — one object, or null when there is none.
   */
  userClaims?(user: StoredUser): Promise<Record<string, unknown> | null>;
  /** With the `mfa` capability: the users' second factors (the `authura_mfa` table). */
  readonly mfa?: MfaStore;
  /** With the `passkeys` capability: the users' WebAuthn credentials (the `authura_passkeys` table). */
  readonly passkeys?: PasskeyStore;
  close(): Promise<void>;
}

/**
 * How `findByEmail` compares (EMAIL_LOOKUP): `exact` — the stored address must be the canonical
 * (lower-case) one, a match the unique index serves; `insensitive` — any case matches (existing
 * tables with `John@Example.com`), and two rows that differ only in case are an error, never a guess.
 */
export type EmailLookup = 'exact' | 'insensitive';

/** Two rows match one address in different cases: which account is meant cannot be known. */
export function ambiguousEmail(store: string): BackendError {
  return new BackendError('bad_response', `${store} holds two accounts whose emails differ only in case: make them one (EMAIL_LOOKUP=insensitive cannot choose)`);
}

/** The optional parts of the contract. */
interface BackendCapabilities {
  /** `update` with `expected` is one atomic write (HTTP: HTTP_CONDITIONAL_UPDATES). */
  readonly conditionalUpdate: boolean;
  /**
   * `spendLink` and `unspendLink` keep used links (the `authura_spent_links` table: SQLite
   * creates it, `npm run migrate` on Postgres, tracked on Hasura; HTTP: HTTP_SPENT_LINKS_URL).
   */
  readonly spendOnce: boolean;
  /**
   * The store keeps a per-user `session_version` (SESSION_VERSION_COLUMN), returned on every
   * row and written by `update`: logout can then revoke refresh tokens.
   */
  readonly sessionVersion: boolean;
  /**
   * `mfa` keeps second factors (the `authura_mfa` table: SQLite creates it, `npm run migrate` on
   * Postgres, tracked on Hasura; HTTP: HTTP_MFA_URL).
   */
  readonly mfa: boolean;
  /**
   * `passkeys` keeps WebAuthn credentials (the `authura_passkeys` table: SQLite creates it, `npm
   * run migrate` on Postgres, tracked on Hasura; HTTP: HTTP_PASSKEYS_URL).
   */
  readonly passkeys: boolean;
  /** `listUsers` and `deleteUser` (the admin API; HTTP: HTTP_ADMIN_CALLS). */
  readonly listUsers: boolean;
  readonly deleteUser: boolean;
  /** `userClaims` (JWT_CLAIMS_QUERY on SQLite and Postgres, HTTP_CLAIMS_URL). */
  readonly claims: boolean;
}

/** At most one row of claims: more is the query's mistake, never a guess. */
export function oneClaimsRow(rows: readonly Record<string, unknown>[], store: string): Record<string, unknown> | null {
  if (rows.length > 1) throw new BackendError('bad_response', `JWT_CLAIMS_QUERY returned ${rows.length} rows for one user on ${store}: it must return one at most`);
  const row = rows[0];
  if (row === undefined) return null;
  // A NULL column adds nothing.
  return Object.fromEntries(Object.entries(row).filter(([, value]) => value !== null && value !== undefined));
}

/** What the admin API searches users by. */
interface UserQuery {
  /** The start of the email, in any case (LIKE's wildcards are literal here). */
  readonly emailPrefix?: string | undefined;
  /** `undefined`: every tenant. */
  readonly tenantId?: string | null | undefined;
  readonly role?: string | undefined;
  readonly limit: number;
  /** The last id of the page before (the `next` it answered). */
  readonly after?: string | undefined;
}

/** `prefix` as a LIKE pattern: its `\`, `%` and `_` escaped (with `ESCAPE '\'`), then `%`. */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

/**
 * `unavailable` and `timeout` may pass (the start waits for them, up to STARTUP_TIMEOUT);
 * `refused` will not — credentials refused, a database, table or column missing or of the wrong
 * type: the start ends at once, naming what to change; `bad_response` is an answer of the wrong shape.
 */
type BackendErrorCode = 'conflict' | 'unavailable' | 'timeout' | 'bad_response' | 'refused';

export class BackendError extends Error {
  readonly code: BackendErrorCode;
  constructor(code: BackendErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'BackendError';
    this.code = code;
  }
}

/**
 * A user's second factors as the gateway keeps them (MFA): written only by the gateway, in its own
 * table beside the users table — `authura_mfa`, one row per user.
 */
export interface MfaRecord {
  readonly userId: string;
  readonly tenantId: string | null;
  /** The TOTP secret, encrypted (AES-256-GCM under MFA_ENCRYPTION_KEY); null when there is none. */
  readonly totpSecret: string | null;
  /** When the TOTP secret was confirmed (ISO 8601); null while its enrolment is pending. */
  readonly totpConfirmedAt: string | null;
  /** The last TOTP time step accepted: a code of that step or an earlier one is a replay. */
  readonly totpLastStep: number;
  /** Keyed hashes of the recovery codes not used yet. */
  readonly recoveryCodes: readonly string[];
  /** One more on every write: what a conditional write checks. */
  readonly version: number;
}

/**
 * The MFA store of a backend (its `mfa` capability). `write` is conditional: it inserts when
 * `expectedVersion` is null and no row exists, else updates the row while its version is still
 * `expectedVersion`; false when another write came first (nothing written).
 */
export interface MfaStore {
  read(userId: UserId, tenantId: string | null): Promise<MfaRecord | null>;
  write(record: MfaRecord, expectedVersion: number | null): Promise<boolean>;
}

/** A passkey (WebAuthn credential) as the gateway keeps it, per (user, tenant). */
export interface PasskeyRecord {
  /** The credential id (base64url): unique in the store. */
  readonly id: string;
  readonly userId: string;
  readonly tenantId: string | null;
  /** The COSE public key (base64url). */
  readonly publicKey: string;
  /** The authenticator's signature counter (0 and 0: a synced passkey keeps none). */
  readonly counter: number;
  readonly transports: readonly string[];
  /** Whether the credential may be backed up (fixed at registration) and is now. */
  readonly backupEligible: boolean;
  readonly backedUp: boolean;
  readonly name: string;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  /** One more on every write: what a conditional update checks. */
  readonly version: number;
}

/**
 * The passkeys of a backend (its `passkeys` capability). `create` is false when the id exists;
 * `update` writes only while the version is still `expectedVersion`; `remove` only the user's own.
 */
export interface PasskeyStore {
  list(userId: UserId, tenantId: string | null): Promise<PasskeyRecord[]>;
  find(id: string): Promise<PasskeyRecord | null>;
  create(record: PasskeyRecord): Promise<boolean>;
  update(record: PasskeyRecord, expectedVersion: number): Promise<boolean>;
  remove(id: string, userId: UserId, tenantId: string | null): Promise<boolean>;
}
