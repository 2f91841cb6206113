import type { StoredUser } from '../backends/types.js';
import { AppError } from '../core/errors.js';
import type { RequestScope } from '../core/request.js';
import type { IssuedTokens } from '../tokens/tokens.js';
import { guardedPasswordCheck } from './password-check.js';
import type { AccountServices } from './services.js';
import { startSession } from './sign-in.js';
import { withHookData } from './users.js';

type LoginServices = Pick<AccountServices, 'backend' | 'hasher' | 'limits' | 'hooks' | 'audit' | 'metrics' | 'tokens' | 'extensions' | 'clock'>;

/** POST /token with a password: the password first factor, then a session. */
export async function login(services: LoginServices, scope: RequestScope, input: { email: string; password: string }): Promise<IssuedTokens> {
  const { backend, hasher, audit, metrics } = services;
  let user = null as StoredUser | null;
  const matches = await guardedPasswordCheck(services, scope, input.email, async () => {
    user = await backend.findByEmail(input.email, scope.tenantId);
    // An unknown user costs one bcrypt comparison too, so timing does not tell who exists.
    return user ? hasher.verify(input.password, user.password) : hasher.verifyDummy(input.password);
  });
  if (!user || !matches) {
    audit.record(scope, 'login_failed', { userId: user?.id });
    metrics.login('failed');
    throw new AppError('invalid_credentials', 'The email or password is wrong');
  }
  if (user.verified_at === null) {
    throw new AppError('email_not_verified', 'This email address is not verified yet: reset the password to verify it');
  }
  const tokens = await startSession(services, { ...(await withHookData(services, user)), factor: 'pwd' });
  audit.record(scope, 'login_succeeded', { userId: user.id });
  metrics.login('ok');
  return tokens;
}
