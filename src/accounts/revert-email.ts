import { AppError } from '../core/errors.js';
import type { RequestScope } from '../core/request.js';
import { usedLink } from '../links/spent-links.js';
import type { LinkClaims } from '../tokens/link-token.js';
import { mailLink } from './mail.js';
import type { AccountServices } from './services.js';
import { spending } from './spend.js';
import { publicUser, timestamp, unguessablePassword, updateUser } from './users.js';

/**
 * A "this wasn't me" link from an email-changed notice: moves the account back to the old address
 * (while no other account holds it), ends every session — the password is replaced by one nobody
 * knows, the session version moves on — and mails the old address a link to choose a new password.
 * It signs nobody in.
 */
export async function revertEmail(
  services: Pick<AccountServices, 'config' | 'backend' | 'tokens' | 'hasher' | 'hooks' | 'audit' | 'metrics' | 'clock' | 'spentLinks' | 'limits' | 'mailer'>,
  scope: RequestScope,
  claims: LinkClaims,
) {
  const { backend, clock } = services;
  const user = typeof claims.sub === 'string' ? await backend.findById(claims.sub, scope.tenantId) : null;
  if (!user) throw usedLink();
  const holder = user.email === claims.email ? null : await backend.findByEmail(claims.email, scope.tenantId);
  if (holder) throw new AppError('conflict', 'Another account holds the old address now: the account cannot move back to it');
  const patch = {
    email: claims.email,
    password: await services.hasher.hash(unguessablePassword()),
    verified_at: timestamp(clock),
    ...(user.session_version === undefined ? {} : { session_version: user.session_version + 1 }),
  };
  const restored = await spending(services, claims, async () => {
    // The reset link is bound to the account as it is about to be; sent first, so a mail that
    // cannot go out leaves everything as it was.
    const redirect = new URL(services.config.urls.verifyRedirect);
    await mailLink(services, 'reset-password', { flow: 'reset', to: claims.email, redirect, tenantId: scope.tenantId, user: { ...user, ...patch }, quota: 'notice' });
    const updated = await updateUser(services, user, patch);
    if (!updated) throw usedLink();
    return updated;
  });
  services.audit.record(scope, 'email_change_reverted', { userId: user.id });
  return { user: publicUser(restored), email_restored: true as const, reset_mailed: true as const };
}
