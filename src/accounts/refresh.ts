import { AppError } from '../core/errors.js';
import type { RequestScope } from '../core/request.js';
import { authenticationOf } from '../tokens/authentication.js';
import type { IssuedTokens } from '../tokens/tokens.js';
import type { AccountServices } from './services.js';
import { issueTokens } from './sign-in.js';
import { userFromToken, withHookData } from './users.js';

/**
 * POST /refresh: new tokens for the session a refresh token continues, with its `amr` and
 * `auth_time` unchanged. The user is read again: deleted, demoted or re-credentialed users (and
 * logged-out sessions) get no fresh token.
 */
export async function refresh(
  services: Pick<AccountServices, 'backend' | 'tokens' | 'hooks' | 'audit' | 'extensions' | 'metrics' | 'config'>,
  scope: RequestScope,
  refreshToken: string,
): Promise<IssuedTokens> {
  const claims = await services.tokens.refresh.verify(refreshToken, scope.tenantId);
  const user = await userFromToken(services, claims.sub, scope.tenantId);
  if (!services.tokens.refresh.stillValid(user, claims)) {
    throw new AppError('invalid_token', 'The refresh token was revoked (a logout, or a change of password, email or role)');
  }
  const tokens = await issueTokens(services, await withHookData(services, user), { authentication: authenticationOf(claims) });
  services.audit.record(scope, 'token_refreshed', { userId: user.id });
  return tokens;
}
