import { AppError } from '../core/errors.js';
import type { RequestScope } from '../core/request.js';
import { authenticationOf } from '../tokens/authentication.js';
import type { IssuedTokens } from '../tokens/tokens.js';
import { hasRole } from './roles.js';
import type { AccountServices } from './services.js';
import { issueTokens } from './sign-in.js';
import { userFromToken, withHookData } from './users.js';

type ImpersonateServices = Pick<AccountServices, 'config' | 'backend' | 'tokens' | 'hooks' | 'audit' | 'extensions' | 'metrics'>;

/**
 * POST /token with an empty password and an admin's access token: a short access token for the
 * user, carrying `act` (the admin) and the admin's own `amr`/`auth_time`; never a refresh token.
 */
export async function impersonate(services: ImpersonateServices, scope: RequestScope, input: { adminToken: string; email: string }): Promise<IssuedTokens> {
  const { config, backend, tokens, audit } = services;
  if (!config.impersonationEnabled) throw new AppError('impersonation_disabled', 'Impersonation is disabled (IMPERSONATION_ENABLED=false)');
  const claims = await tokens.access.verify(input.adminToken, scope.tenantId);
  if (claims.act !== undefined) throw new AppError('forbidden', 'An impersonation token cannot impersonate');
  const admin = await userFromToken(services, claims.sub, scope.tenantId);
  if (!(await hasRole(services, admin, config.roles.admin))) throw new AppError('forbidden', 'Only an admin can impersonate a user');
  const user = await backend.findByEmail(input.email, scope.tenantId);
  if (!user) throw new AppError('not_found', 'No user has this email address');
  if (await hasRole(services, user, config.roles.admin)) throw new AppError('forbidden', 'An admin cannot be impersonated');
  audit.record(scope, 'impersonation', { userId: user.id, actorId: admin.id });
  return issueTokens(services, await withHookData(services, user, admin), { actor: admin, authentication: authenticationOf(claims) });
}
