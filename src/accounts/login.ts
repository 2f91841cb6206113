import { BackendError, type StoredUser, unchanged } from '../backends/types.js';
import { AppError } from '../core/errors.js';
import type { RequestScope } from '../core/request.js';
import type { IssuedTokens } from '../tokens/tokens.js';
import { guardedPasswordCheck } from './password-check.js';
import type { AccountServices } from './services.js';
import { startSession } from './sign-in.js';
import { withHookData } from './users.js';

type LoginServices = Pick<
  AccountServices,
  'backend' | 'hasher' | 'limits' | 'hooks' | 'audit' | 'metrics' | 'tokens' | 'extensions' | 'clock' | 'logger' | 'config' | 'mfa'
>;

/**
 * POST /token with a password: the password first factor, then a session. A success hands the
 * client a device token (when the account ceiling is on), and replaces a hash weaker than
 * BCRYPT_COST.
 */
export async function login(
  services: LoginServices,
  scope: RequestScope,
  input: { email: string; password: string; deviceToken?: string | undefined },
): Promise<IssuedTokens> {
  const { backend, audit, metrics } = services;
  const { user: found, check } = await guardedPasswordCheck(services, scope, input, () => backend.findByEmail(input.email, scope.tenantId));
  if (!found || !check.matches) {
    audit.record(scope, 'login_failed', { userId: found?.id });
    metrics.login('failed');
    throw new AppError('invalid_credentials', 'The email or password is wrong');
  }
  if (found.verified_at === null) {
    throw new AppError('email_not_verified', 'This email address is not verified yet: reset the password to verify it');
  }
  const user = check.rehash ? await rehash(services, found, input.password) : found;
  const tokens = await startSession(services, { ...(await withHookData(services, user)), factor: 'pwd' });
  audit.record(scope, 'login_succeeded', { userId: user.id });
  metrics.login('ok');
  if (services.config.limits.accountMaxFailures === 0) return tokens;
  return { ...tokens, device_token: await services.tokens.device.sign(user) };
}

/**
 * Hashes the password again at BCRYPT_COST (upward only: the check asks for it only below it).
 * The gateway's own bookkeeping: no hook is called. Conditional on the row being as it was read:
 * when another request changed it meanwhile (a sign-in at the same moment rehashing too), the
 * row is read again and the password checked against it — the session is bound to the hash
 * stored now, or refused when the password changed. The new hash changes the credential
 * fingerprint, so the user's other sessions end, once. A store failing or the hashing pool full
 * leaves the old hash for the next sign-in.
 */
async function rehash(services: Pick<LoginServices, 'backend' | 'hasher' | 'logger'>, user: StoredUser, password: string): Promise<StoredUser> {
  const { backend, hasher } = services;
  let updated: StoredUser | null;
  try {
    updated = await backend.update(user.id, user.tenant_id, { password: await hasher.hash(password) }, unchanged(user));
  } catch (error) {
    if (!(error instanceof BackendError) && !(error instanceof AppError && error.code === 'overloaded')) throw error;
    services.logger.warn('could not store a stronger password hash; the sign-in goes on', { userId: user.id, error: error.message });
    return user;
  }
  if (updated) return updated;
  const now = await backend.findById(user.id, user.tenant_id);
  if (now && (await hasher.verify(password, now.password)).matches) return now;
  throw new AppError('invalid_credentials', 'The email or password is wrong');
}
