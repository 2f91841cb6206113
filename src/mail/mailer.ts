import { withDeadline } from '../core/deadline.js';
import { AppError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { compileMailTemplates, type MailContext, type MailKind } from './templates.js';

/** MAIL_*: an SMTP server, or `dummy` (development only: mails are logged). */
export type MailSettings = (
  | { readonly kind: 'dummy' }
  | {
      readonly kind: 'smtp';
      readonly host: string;
      readonly port: number;
      readonly secure: boolean;
      readonly user: string | undefined;
      readonly pass: string | undefined;
      readonly from: string;
      readonly timeoutMs: number;
    }
) & { readonly templatesDir: string | undefined };

/** What connecting and logging in to the mail server found (nothing is sent). */
type MailCheck = { readonly ok: true } | { readonly ok: false; readonly reason: 'auth' | 'dns' | 'unreachable'; readonly message: string };

export interface Mailer {
  /** Renders and sends one mail; rejects with an {@link AppError} (502/503/504) when it fails. */
  send(kind: MailKind, to: string, context: Omit<MailContext, 'email'>): Promise<void>;
  /** Connects and logs in without sending (at start). */
  verify(): Promise<MailCheck>;
  close(): void;
}

/** SMTP through nodemailer, or `dummy`: the mail is logged (development only) and not sent. */
export async function createMailer(config: MailSettings, logger: Logger): Promise<Mailer> {
  const render = compileMailTemplates(config.templatesDir);
  if (config.kind === 'dummy') {
    return {
      async send(kind, to, context) {
        const mail = render(kind, { ...context, email: to });
        // Development only (refused in production): the link is the whole point of the log line.
        logger.info('dummy mail (not sent)', { kind, to, subject: mail.subject, link: context.link });
      },
      verify: async () => ({ ok: true }),
      close() {},
    };
  }

  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure,
    auth: config.user !== undefined ? { user: config.user, pass: config.pass ?? '' } : undefined,
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
    pool: true,
    maxConnections: 4,
  });

  return {
    async send(kind, to, context) {
      const mail = render(kind, { ...context, email: to });
      try {
        await withDeadline(
          transport.sendMail({ from: config.from, to, subject: mail.subject, html: mail.html, text: mail.text }),
          // nodemailer's own timeouts fire first; this bounds a send that stalls between them.
          config.timeoutMs * 2,
          () => Object.assign(new Error('mail send deadline exceeded'), { code: 'ETIMEDOUT' }),
        );
      } catch (error) {
        throw mailError(error);
      }
    },
    async verify() {
      try {
        await withDeadline(transport.verify(), config.timeoutMs * 2, () => Object.assign(new Error('no answer in time'), { code: 'ETIMEDOUT' }));
        return { ok: true };
      } catch (error) {
        const code = String((error as { code?: unknown } | null)?.code ?? '');
        const message = error instanceof Error ? error.message : String(error);
        const reason = code === 'EAUTH' ? 'auth' : code === 'EDNS' || /ENOTFOUND|EAI_AGAIN/.test(`${code} ${message}`) ? 'dns' : 'unreachable';
        return { ok: false, reason, message };
      }
    },
    close: () => transport.close(),
  };
}

function mailError(error: unknown): AppError {
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  const message = error instanceof Error ? error.message : '';
  if (code === 'ETIMEDOUT' || /timeout/i.test(message)) {
    return new AppError('mail_timeout', 'The mail server did not answer in time; please try again later', { cause: error });
  }
  if (code === 'ECONNECTION' || code === 'ESOCKET' || code === 'EDNS' || /ECONNREFUSED|ECONNRESET/.test(message)) {
    return new AppError('mail_unavailable', 'The mail server is unreachable; please try again later', { cause: error });
  }
  return new AppError('mail_failed', 'The mail server refused the message; please try again later', { cause: error });
}
