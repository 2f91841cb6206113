import type { StoredUser } from '../backends/types.js';
import type { MailKind } from '../mail/templates.js';
import type { LinkAction } from '../tokens/link-token.js';
import { buildLink } from './links.js';
import type { AccountServices } from './services.js';

/**
 * The flow a mail belongs to: the only label its metrics carry. Within a flow the mail kind tells
 * whether the address has an account (`account-exists` vs `verify-email`), so no metric may name
 * the kind.
 */
type MailFlow = 'signup' | 'reset' | 'change_email' | 'change_password' | 'invite' | 'oauth';

interface MailRequest {
  readonly flow: MailFlow;
  readonly to: string;
  readonly redirect: URL;
  readonly tenantId: string | null;
  /** The mailed link's action and token; notices without a link omit them. */
  readonly link?: { readonly action: LinkAction; readonly token: string };
  readonly role?: string;
  readonly newEmail?: string;
  readonly reason?: string;
  /**
   * A notice of something done to the account (email or password changed): it must reach its
   * owner, so it never counts against the per-address limit.
   */
  readonly notice?: boolean;
}

type MailServices = Pick<AccountServices, 'limits' | 'mailer' | 'metrics' | 'config'>;

/** Sends one of the gateway's mails, with the link built on the allowed redirect URL (rate-limited per address). */
export async function sendMail(services: MailServices, kind: MailKind, request: MailRequest): Promise<void> {
  // Per address, whoever asks: nobody can flood an inbox, from one IP or many.
  if (!request.notice) await services.limits.beforeMail(request.to, request.tenantId);
  const { jwt } = services.config;
  const lifetime = request.link?.action === 'revert-email' ? jwt.revertTtl : jwt.verifyTtl;
  const context = {
    link: request.link ? buildLink(request.redirect, request.link.action, request.link.token) : undefined,
    expiresInMinutes: Math.ceil(lifetime / 60),
    expiresInHours: Math.ceil(lifetime / 3600),
    tenant: request.tenantId,
    role: request.role,
    newEmail: request.newEmail,
    reason: request.reason,
    appUrl: buildLink(request.redirect, 'reset-password'),
  };
  return services.metrics.observe('mail', request.flow, () => services.mailer.send(kind, request.to, context));
}

/**
 * Signs a link for `action` and mails it: the step every mailed flow (signup, reset, email change,
 * invitation) ends with.
 */
export async function mailLink(
  services: MailServices & Pick<AccountServices, 'tokens'>,
  action: LinkAction,
  /** `user`: the existing account the link acts on; `inviter`: the admin an invitation comes from. */
  request: Omit<MailRequest, 'link'> & { readonly user?: StoredUser; readonly inviter?: StoredUser },
  /** The mail it goes in: the one named like the action, but for a "this wasn't me" link's. */
  kind: MailKind = action === 'revert-email' ? 'email-changed' : action,
): Promise<void> {
  const { user, inviter, ...mail } = request;
  const token = await services.tokens.link.sign(action, { email: request.to, tenantId: request.tenantId, user, role: request.role, inviter });
  await sendMail(services, kind, { ...mail, link: { action, token } });
}
