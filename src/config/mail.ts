import type { MailSettings } from '../mail/mailer.js';
import type { Env } from './env-schema.js';
import type { Report } from './types.js';

/** MAIL_*: a real SMTP server (required in production) or `dummy`. */
export function parseMail(env: Env, report: Report): MailSettings {
  if (env.MAIL_HOST === undefined || env.MAIL_HOST === 'dummy') {
    if (report.production) report.problem('MAIL_HOST', 'a real SMTP server is required in production ("dummy" only logs mails)');
    report.warn('MAIL_HOST is dummy: mails are logged, not sent (development only)');
    return { kind: 'dummy', templatesDir: env.MAIL_TEMPLATES_DIR };
  }
  if (env.MAIL_FROM === undefined) report.problem('MAIL_FROM', 'required when MAIL_HOST is an SMTP server');
  if ((env.MAIL_USER === undefined) !== (env.MAIL_PASS === undefined)) report.problem('MAIL_USER', 'MAIL_USER and MAIL_PASS go together: set both or neither');
  return {
    kind: 'smtp',
    host: env.MAIL_HOST,
    port: env.MAIL_PORT,
    secure: env.MAIL_SECURE,
    user: env.MAIL_USER,
    pass: env.MAIL_PASS,
    from: env.MAIL_FROM ?? '',
    timeoutMs: env.MAIL_TIMEOUT,
    templatesDir: env.MAIL_TEMPLATES_DIR,
  };
}
