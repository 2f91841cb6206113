import type { StoredUser } from '../backends/types.js';
import { AppError } from '../core/errors.js';
import type { RequestScope } from '../core/request.js';
import type { AccessClaims } from '../tokens/access-token.js';
import { mailLink, reserveMail } from './mail.js';
import { hasRole } from './roles.js';
import type { AccountServices } from './services.js';
import { userFromToken } from './users.js';

/**
 * Who may invite: an admin acting as themself. The role is read again: a demoted admin's
 * unexpired token does not keep the right to invite. Checked before the request body is read.
 */
export async function authorizeInviter(services: Pick<AccountServices, 'config' | 'backend'>, scope: RequestScope, claims: AccessClaims): Promise<StoredUser> {
  if (claims.act !== undefined) throw new AppError('forbidden', 'An impersonation token cannot invite');
  const admin = await userFromToken(services, claims.sub, scope.tenantId);
  if (!(await hasRole(services, admin, services.config.roles.admin))) throw new AppError('forbidden', 'Only an admin can invite users');
  return admin;
}

/** POST /invite: the admin mails someone a link that creates their account with `role`. */
export async function invite(
  services: Pick<AccountServices, 'config' | 'backend' | 'tokens' | 'limits' | 'mailer' | 'metrics' | 'audit'>,
  scope: RequestScope,
  input: { admin: StoredUser; email: string; role: string | undefined; redirect: URL },
): Promise<void> {
  const role = input.role ?? services.config.roles.default;
  const quota = await reserveMail(services, scope, input.email, input.admin);
  if (await services.backend.findByEmail(input.email, scope.tenantId)) {
    await quota.refund();
    throw new AppError('conflict', 'A user with this email already exists');
  }
  // The link names its admin: it is honoured only while they still are one, not logged out since.
  await mailLink(services, 'invite', { flow: 'invite', to: input.email, redirect: input.redirect, tenantId: scope.tenantId, role, inviter: input.admin, quota });
  services.audit.record(scope, 'user_invited', { actorId: input.admin.id, detail: role });
}
