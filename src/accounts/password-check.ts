import type { RequestScope } from '../core/request.js';
import { passwordKey } from '../rate-limit/limits.js';
import type { AccountServices } from './services.js';

/**
 * A password comparison under the backoff kept per account and client IP (login and
 * change-password alike): refused with 429 while the pair is backed off; a failure counts, a
 * success clears the count. `compare` does the bcrypt work (a dummy one for an unknown account).
 */
export async function guardedPasswordCheck(
  { limits }: Pick<AccountServices, 'limits'>,
  scope: RequestScope,
  email: string,
  compare: () => Promise<boolean>,
): Promise<boolean> {
  const key = passwordKey(scope.tenantId, email, scope.clientIp);
  await limits.beforePasswordCheck(key);
  const matches = await compare();
  if (matches) await limits.passwordSucceeded(key);
  else await limits.passwordFailed(key);
  return matches;
}
