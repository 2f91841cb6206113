import { AppError } from '../core/errors.js';
import type { RequestScope } from '../core/request.js';
import type { AccessClaims } from '../tokens/access-token.js';
import type { IssuedTokens } from '../tokens/tokens.js';
import { SECOND_FACTOR_AMR } from './mfa-gate.js';
import { issueTokens } from './sign-in.js';
import { notImpersonating } from './change-email.js';
import { noticePasswordChanged } from './notices.js';
import { guardedPasswordCheck } from './password-check.js';
import type { AccountServices } from './services.js';
import { hashNewPassword, updateUser, userFromToken } from './users.js';

/**
 * POST /change-password: the old password (checked under the same backoff as a login), then the
 * new one. The change revokes every older refresh token and mailed link (credential fingerprint)
 * — every other session ends — and the caller, who just proved the password, gets a new session.
 */
export async function changePassword(
  services: Pick<AccountServices, 'backend' | 'hasher' | 'limits' | 'hooks' | 'audit' | 'mailer' | 'metrics' | 'config' | 'tokens' | 'logger' | 'extensions' | 'clock' | 'mfa'>,
  scope: RequestScope,
  input: { claims: AccessClaims; oldPassword: string; newPassword: string; deviceToken?: string | undefined },
): Promise<IssuedTokens> {
  notImpersonating(input.claims);
  const user = await userFromToken(services, input.claims.sub, scope.tenantId);
  const { check } = await guardedPasswordCheck(services, scope, { email: user.email, password: input.oldPassword, deviceToken: input.deviceToken }, async () => user);
  if (!check.matches) {
    throw new AppError('invalid_credentials', 'The old password is wrong');
  }
  const hash = await hashNewPassword(services, input.newPassword, 'new_password');
  await noticePasswordChanged(services, user, 'change_password');
  const updated = await updateUser(services, user, { password: hash });
  if (!updated) throw new AppError('conflict', 'The account changed meanwhile (another change won): sign in again and retry');
  services.audit.record(scope, 'password_changed', { userId: user.id });
  // The caller proved the password now, and their second factor within REAUTH_WINDOW when they
  // have one (the step-up guard): the new session says both, from now.
  const secondFactor = (input.claims.amr ?? []).filter((v) => SECOND_FACTOR_AMR.includes(v));
  return issueTokens(services, updated, { authentication: { amr: ['pwd', ...secondFactor], authTime: Math.floor(services.clock.now() / 1000) } });
}
