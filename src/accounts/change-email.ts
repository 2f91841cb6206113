import { AppError } from '../core/errors.js';
import type { RequestScope } from '../core/request.js';
import type { AccessClaims } from '../tokens/access-token.js';
import { mailLink, reserveMail, sendMail } from './mail.js';
import { guardedPasswordCheck } from './password-check.js';
import type { AccountServices } from './services.js';
import { userFromToken } from './users.js';

/**
 * POST /change-email: mails a link to the new address that moves the account there. A stolen
 * access token alone is not enough: the password, when sent, is checked (under the login backoff);
 * without it the token's sign-in must be recent (REAUTH_WINDOW) — else 403
 * `reauthentication_required` (a token without `auth_time` is never recent). Whether the new
 * address is taken is told to its owner by mail, not to this caller.
 */
export async function requestEmailChange(
  services: Pick<AccountServices, 'config' | 'backend' | 'tokens' | 'limits' | 'mailer' | 'metrics' | 'audit' | 'hasher' | 'clock' | 'logger'>,
  scope: RequestScope,
  input: { claims: AccessClaims; email: string; password: string | undefined; redirect: URL; deviceToken?: string | undefined },
): Promise<void> {
  notImpersonating(input.claims);
  const user = await userFromToken(services, input.claims.sub, scope.tenantId);
  const { password } = input;
  if (password !== undefined && password !== '') {
    const { check } = await guardedPasswordCheck(services, scope, { email: user.email, password, deviceToken: input.deviceToken }, async () => user);
    if (!check.matches) {
      throw new AppError('invalid_credentials', 'The password is wrong');
    }
  } else if (!signedInRecently(input.claims, services.clock.now() / 1000, services.config.reauthWindow)) {
    throw new AppError('reauthentication_required', 'Confirm it is you: send your password with the request, or sign in again and retry');
  }
  if (input.email === user.email.toLowerCase()) {
    throw new AppError('validation_failed', 'The request is invalid (email: is already your address)', {
      issues: [{ path: 'email', message: 'is already your address' }],
    });
  }
  const quota = await reserveMail(services, scope, input.email, user);
  const mail = { flow: 'change_email', to: input.email, redirect: input.redirect, tenantId: scope.tenantId, quota } as const;
  if (await services.backend.findByEmail(input.email, scope.tenantId)) await sendMail(services, 'account-exists', { ...mail, balance: 'change-email' });
  else await mailLink(services, 'change-email', { ...mail, user });
  services.audit.record(scope, 'email_change_requested', { userId: user.id });
}

/** Whether the token's sign-in (`auth_time`) lies within the last `window` seconds. */
export function signedInRecently(claims: AccessClaims, now: number, window: number): boolean {
  return typeof claims.auth_time === 'number' && claims.auth_time <= now + 5 && now - claims.auth_time <= window;
}

/** Credential changes need the user themself, not an admin acting as them. */
export function notImpersonating(claims: AccessClaims): void {
  if (claims.act !== undefined) throw new AppError('forbidden', "An impersonation token cannot change the user's credentials");
}
