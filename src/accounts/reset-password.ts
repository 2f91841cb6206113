import type { RequestScope } from '../core/request.js';
import { mailLink, reserveMail, sendMail } from './mail.js';
import type { AccountServices } from './services.js';

/**
 * POST /reset-password: mails a reset link bound to the account's current credentials, or — to an
 * address without an account — a notice. Either way the same work is done (the limit
 * first, one lookup, one signature, one mail) and the caller learns nothing.
 */
export async function requestPasswordReset(
  services: Pick<AccountServices, 'config' | 'backend' | 'tokens' | 'limits' | 'mailer' | 'metrics' | 'audit'>,
  scope: RequestScope,
  input: { email: string; redirect: URL },
): Promise<void> {
  const quota = await reserveMail(services, scope, input.email);
  const user = await services.backend.findByEmail(input.email, scope.tenantId);
  const mail = { flow: 'reset', redirect: input.redirect, tenantId: scope.tenantId, quota } as const;
  if (user) await mailLink(services, 'reset-password', { ...mail, to: user.email, user });
  else await sendMail(services, 'no-account', { ...mail, to: input.email, balance: 'reset-password' });
  services.audit.record(scope, 'password_reset_requested', { userId: user?.id });
}
