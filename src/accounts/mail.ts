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
type MailFlow = 'signup' | 'reset' | 'change_email' | 'invite';

interface MailRequest {
  readonly flow: MailFlow;
  readonly to: string;
  readonly redirect: URL;
  readonly tenantId: string | null;
  /** The mailed link's action and token; notices without a link omit them. */
  readonly link?: { readonly action: LinkAction; readonly token: string };
  readonly role?: string;
}

type MailServices = Pick<AccountServices, 'limits' | 'mailer' | 'metrics' | 'config'>;

/** Sends one of the gateway's mails, with the link built on the allowed redirect URL (rate-limited per address). */
export async function sendMail(services: MailServices, kind: MailKind, request: MailRequest): Promise<void> {
  // Per address, whoever asks: nobody can flood an inbox, from one IP or many.
  await services.limits.beforeMail(request.to, request.tenantId);
  const context = {
    link: request.link ? buildLink(request.redirect, request.link.action, request.link.token) : undefined,
    expiresInMinutes: Math.ceil(services.config.jwt.verifyTtl / 60),
    tenant: request.tenantId,
    role: request.role,
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
  kind: MailKind & LinkAction,
  /** `user`: the existing account the link acts on (reset, email change), whose credentials bind it. */
  request: Omit<MailRequest, 'link'> & { readonly user?: StoredUser },
): Promise<void> {
  const { user, ...mail } = request;
  const token = await services.tokens.link.sign(kind, { email: request.to, tenantId: request.tenantId, user, role: request.role });
  await sendMail(services, kind, { ...mail, link: { action: kind, token } });
}
