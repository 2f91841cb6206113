import type { Deps } from '../deps.js';
import { buildLink } from '../http/redirect.js';
import type { MailKind } from '../mail/templates.js';
import type { VerifyAction } from '../tokens/token-service.js';

export interface MailRequest {
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
  return deps.mailer.send(kind, request.to, {
    link: request.link ? buildLink(request.redirect, request.link.action, request.link.token) : undefined,
    expiresInMinutes: Math.ceil(deps.config.jwt.verifyTtl / 60),
    tenant: request.tenantId,
    role: request.role,
    appUrl: buildLink(request.redirect, 'reset-password'),
  });
}
