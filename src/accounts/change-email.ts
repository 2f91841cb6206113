import { AppError } from '../core/errors.js';
import type { RequestScope } from '../core/request.js';
import type { AccessClaims } from '../tokens/access-token.js';
import { mailLink, sendMail } from './mail.js';
import type { AccountServices } from './services.js';
import { userFromToken } from './users.js';

/**
 * POST /change-email: mails a link to the new address that moves the account there. Whether the
 * new address is taken is told to its owner by mail, not to this caller.
 */
export async function requestEmailChange(
  services: Pick<AccountServices, 'config' | 'backend' | 'tokens' | 'limits' | 'mailer' | 'metrics' | 'audit'>,
  scope: RequestScope,
  input: { claims: AccessClaims; email: string; redirect: URL },
): Promise<void> {
  notImpersonating(input.claims);
  const user = await userFromToken(services, input.claims.sub, scope.tenantId);
  if (input.email === user.email) {
    throw new AppError('validation_failed', 'The request is invalid (email: is already your address)', {
      issues: [{ path: 'email', message: 'is already your address' }],
    });
  }
  const mail = { flow: 'change_email', to: input.email, redirect: input.redirect, tenantId: scope.tenantId } as const;
  if (await services.backend.findByEmail(input.email, scope.tenantId)) await sendMail(services, 'account-exists', mail);
  else await mailLink(services, 'change-email', { ...mail, user });
  services.audit.record(scope, 'email_change_requested', { userId: user.id });
}

/** Credential changes need the user themself, not an admin acting as them. */
export function notImpersonating(claims: AccessClaims): void {
  if (claims.act !== undefined) throw new AppError('forbidden', "An impersonation token cannot change the user's credentials");
}
