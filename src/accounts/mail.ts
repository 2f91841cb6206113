import type { StoredUser } from '../backends/types.js';
import type { RequestScope } from '../core/request.js';
import type { MailKind } from '../mail/templates.js';
import type { MailReservation } from '../rate-limit/mail-limits.js';
import type { LinkAction } from '../tokens/link-token.js';
import { buildLink } from './links.js';
import type { AccountServices } from './services.js';

/**
 * The flow a mail belongs to: the only label its metrics carry. Within a flow the mail kind tells
 * whether the address has an account (`account-exists` vs `verify-email`), so no metric may name
 * the kind.
 */
type MailFlow = 'signup' | 'reset' | 'change_email' | 'change_password' | 'invite' | 'oauth' | 'passwordless' | 'passkeys' | 'admin';

interface MailRequest {
  readonly flow: MailFlow;
  readonly to: string;
  readonly redirect: URL;
  readonly tenantId: string | null;
  /** The mailed link's action and token; notices without a link omit them. */
  readonly link?: { readonly action: LinkAction | 'passwordless'; readonly token: string };
  /** A passwordless sign-in's code, beside its link. */
  readonly code?: string;
  /** Seconds the link (and code) stay valid, when not the link action's usual lifetime. */
  readonly lifetime?: number;
  readonly role?: string;
  readonly newEmail?: string;
  readonly reason?: string;
  /**
   * The mail's place in its address's limits, taken ({@link reserveMail}) before the flow did
   * anything else; or `notice`: something done to the account (email or password changed), which
   * must reach its owner and so is never limited.
   */
  readonly quota: MailReservation | 'notice';
  /**
   * A mail without a link in a flow whose other branch mails one (`account-exists` vs a signup
   * link): a link of this action is signed and thrown away, so both branches do the same work.
   */
  readonly balance?: LinkAction;
}

type MailServices = Pick<AccountServices, 'mailer' | 'metrics' | 'config' | 'tokens'>;

/**
 * Counts a mail to `to` against the limits of whoever asks — `sender`, a signed-in user, or else
 * the request's client (in the captcha buckets when it solved one). The first step of a mailed
 * flow: a 429 then comes before any branch on whether the address has an account.
 */
export function reserveMail(
  services: Pick<AccountServices, 'limits'>,
  scope: RequestScope,
  to: string,
  sender?: StoredUser,
): Promise<MailReservation> {
  return services.limits.mail.reserve(
    to,
    scope.tenantId,
    sender ? { kind: 'user', userId: String(sender.id) } : { kind: 'anonymous', clientIp: scope.clientIp, captchaSolved: scope.captchaSolved === true },
  );
}

/** Sends one of the gateway's mails, with the link built on the allowed redirect URL; a mail that fails is given back to its quota. */
export async function sendMail(services: MailServices, kind: MailKind, request: MailRequest): Promise<void> {
  if (request.balance !== undefined) await services.tokens.link.sign(request.balance, { email: request.to, tenantId: request.tenantId });
  const { jwt } = services.config;
  const lifetime = request.lifetime ?? (request.link?.action === 'revert-email' ? jwt.revertTtl : jwt.verifyTtl);
  const context = {
    link: request.link ? buildLink(request.redirect, request.link.action, request.link.token, request.tenantId) : undefined,
    code: request.code,
    expiresInMinutes: Math.ceil(lifetime / 60),
    expiresInHours: Math.ceil(lifetime / 3600),
    tenant: request.tenantId,
    role: request.role,
    newEmail: request.newEmail,
    reason: request.reason,
    appUrl: buildLink(request.redirect, 'reset-password', undefined, request.tenantId),
  };
  try {
    await services.metrics.observe('mail', request.flow, () => services.mailer.send(kind, request.to, context));
  } catch (error) {
    if (request.quota !== 'notice') await request.quota.refund().catch(() => {});
    throw error;
  }
}

/**
 * Signs a link for `action` and mails it: the step every mailed flow (signup, reset, email change,
 * invitation) ends with.
 */
export async function mailLink(
  services: MailServices,
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
