import type { StoredUser } from '../backends/types.js';
import type { RequestScope } from '../core/request.js';
import type { PasswordCheck } from '../passwords/hasher.js';
import type { AccountServices } from './services.js';

/** A password to check against the account of `email`. */
interface PasswordClaim {
  readonly email: string;
  readonly password: string;
  /** A device token the client presented (body or cookie). */
  readonly deviceToken?: string | undefined;
}

/**
 * One password check, for login and for the checks of signed-in users alike:
 * - counted before it runs (the backoff per account and client, the account's ceiling unless
 *   the client presents a device token of that account): concurrent guesses are all counted;
 * - then the account is read and compared — an unknown account or a stored value that cannot be
 *   checked costs one dummy comparison, so the work is the same whoever is asked about;
 * - a success takes the counted failure back; a dependency failing midway gives it back too.
 */
export async function guardedPasswordCheck(
  services: Pick<AccountServices, 'limits' | 'hasher' | 'tokens' | 'logger'>,
  scope: RequestScope,
  claim: PasswordClaim,
  readUser: () => Promise<StoredUser | null>,
): Promise<{ user: StoredUser | null; check: PasswordCheck }> {
  const { limits, hasher, tokens, logger } = services;
  const knownDevice = await tokens.device.knows(claim.deviceToken, claim.email, scope.tenantId);
  const attempt = await limits.passwordAttempt({ tenantId: scope.tenantId, email: claim.email, clientIp: scope.clientIp, knownDevice });
  let user: StoredUser | null;
  let check: PasswordCheck;
  try {
    user = await readUser();
    check = user ? await hasher.verify(claim.password, user.password) : { matches: await hasher.verifyDummy(claim.password), rehash: false };
  } catch (error) {
    await attempt.cancelled().catch(() => {});
    throw error;
  }
  if (check.unusable !== undefined && check.unusable !== 'not_set' && user) {
    const why = {
      beyond_limits: 'a stored password hash asks for more work than the limits allow (bcrypt cost above 15, or argon2, scrypt or PBKDF2 parameters beyond README, Migrating users) and is refused, never run: reset that password',
      not_recognised: 'a stored password is not a hash format the gateway knows and never matches: reset that password (README, Migrating users, lists the formats)',
      not_configured: 'a stored password is a Firebase scrypt hash but FIREBASE_SCRYPT_* is not set: it never matches until it is',
    } as const;
    logger.warn(why[check.unusable], { userId: user.id });
  }
  if (check.matches) await attempt.succeeded();
  return { user, check };
}
