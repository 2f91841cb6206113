import { BackendError, unchanged } from '../backends/types.js';
import type { RequestScope } from '../core/request.js';
import type { AccountServices } from './services.js';

/**
 * POST /logout with a refresh token: revokes every refresh token of its user by bumping the
 * user's session version, which their fingerprint binds. Says whether anything was revoked:
 * nothing can be on a store that keeps no session version. Access tokens already handed out stay
 * valid until they expire (JWT_EXPIRATION).
 */
export async function logout(
  { backend, tokens, audit }: Pick<AccountServices, 'backend' | 'tokens' | 'audit'>,
  scope: RequestScope,
  refreshToken: string,
): Promise<{ refresh_tokens_revoked: boolean }> {
  const claims = await tokens.refresh.verify(refreshToken, scope.tenantId);
  // Conditional on the row as read: when another write wins, read again (a concurrent logout
  // may already have revoked the token; a change that leaves it valid calls for another bump).
  for (let attempt = 0; attempt < 3; attempt++) {
    const user = await backend.findById(claims.sub, scope.tenantId);
    // A deleted user or an already revoked token: nothing is left to revoke.
    if (!user || !tokens.refresh.stillValid(user, claims)) return { refresh_tokens_revoked: true };
    if (!(await backend.capabilities()).sessionVersion || user.session_version === undefined) {
      audit.record(scope, 'logout', { userId: user.id, detail: 'no_session_version' });
      return { refresh_tokens_revoked: false };
    }
    // No webhook for this write: it is the gateway's own bookkeeping, not a change to the account.
    const bumped = await backend.update(user.id, scope.tenantId, { session_version: user.session_version + 1 }, unchanged(user));
    if (!bumped) continue;
    if ((bumped.session_version ?? 0) <= user.session_version) throw new BackendError('bad_response', 'The backend did not store the new session_version');
    audit.record(scope, 'logout', { userId: user.id, detail: 'refresh_tokens_revoked' });
    return { refresh_tokens_revoked: true };
  }
  throw new BackendError('timeout', 'The user kept changing while logging out; please try again');
}
