import type { StoredUser } from '../backends/types.js';
import { sendMail } from './mail.js';
import type { AccountServices } from './services.js';

/**
 * Tells the account's address its password was changed — by the user, by a reset, or by the
 * gateway (an OAuth sign-in took over an unverified account). Sent before the change is written:
 * when it cannot be sent, nothing is.
 */
export function noticePasswordChanged(
  services: Pick<AccountServices, 'tokens' | 'mailer' | 'metrics' | 'config'>,
  user: StoredUser,
  flow: 'reset' | 'change_password' | 'oauth' | 'passwordless' | 'admin',
  reason?: string,
): Promise<void> {
  return sendMail(services, 'password-changed', {
    flow,
    to: user.email,
    redirect: new URL(services.config.urls.verifyRedirect),
    tenantId: user.tenant_id,
    reason,
    quota: 'notice',
  });
}
