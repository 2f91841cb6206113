import { AppError } from '../core/errors.js';
import type { RequestScope } from '../core/request.js';
import { mailLink, reserveMail, sendMail } from './mail.js';
import type { AccountServices } from './services.js';

/**
 * POST /signup: mails a signup link, or — to an address that has an account — a notice. The
 * answer and the work are the same either way (the limit first, one lookup, one signature, one
 * mail); only the mail differs.
 */
export async function signup(
  services: Pick<AccountServices, 'config' | 'backend' | 'tokens' | 'limits' | 'mailer' | 'metrics' | 'audit'>,
  scope: RequestScope,
  input: { email: string; redirect: URL },
): Promise<void> {
  if (services.config.signupDisabled) throw new AppError('signup_disabled', 'Self-service signup is disabled');
  const quota = await reserveMail(services, scope, input.email);
  const mail = { flow: 'signup', to: input.email, redirect: input.redirect, tenantId: scope.tenantId, quota } as const;
  const existing = await services.backend.findByEmail(input.email, scope.tenantId);
  if (existing) await sendMail(services, 'account-exists', { ...mail, balance: 'verify-email' });
  else await mailLink(services, 'verify-email', mail);
  services.audit.record(scope, 'signup_requested', { userId: existing?.id });
}
