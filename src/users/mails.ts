import type { Deps } from '../deps.js';
import { buildLink } from '../http/redirect.js';
import type { MailKind } from '../mail/templates.js';
import type { VerifyAction } from '../tokens/token-service.js';

/**
 * The flow a mail belongs to: the only label its metrics carry. Within a flow the mail kind
 * tells whether the address has an account (`account-exists` vs `verify-email`), so no metric
 * may name the kind.
 */
export type MailFlow = 'signup' | 'reset' | 'change_email' | 'invite';

export interface MailRequest {
  readonly flow: MailFlow;
  readonly to: string;
  readonly redirect: URL;
  readonly tenantId: string | null;
  /** The mailed link's action and token; notices without a link omit them. */
  readonly link?: { readonly action: VerifyAction; readonly token: string };
  readonly role?: string;
}

/** Sends one of the gateway's mails, with the link built on the allowed redirect URL (rate-limited per address). */
export async function sendMail(deps: Deps, kind: MailKind, request: MailRequest): Promise<void> {
  // Per address, whoever asks: nobody can flood an inbox, from one IP or many.
  await deps.limits.beforeMail(request.to, request.tenantId);
  const context = {
    link: request.link ? buildLink(request.redirect, request.link.action, request.link.token) : undefined,
    expiresInMinutes: Math.ceil(deps.config.jwt.verifyTtl / 60),
    tenant: request.tenantId,
    role: request.role,
    appUrl: buildLink(request.redirect, 'reset-password'),
  };
  return deps.metrics.observe('mail', request.flow, () => deps.mailer.send(kind, request.to, context));
}
