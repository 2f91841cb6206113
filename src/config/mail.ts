import { existsSync, statSync } from 'node:fs';
import { z } from 'zod';
import type { MailSettings } from '../mail/mailer.js';
import type { Env } from './env-schema.js';
import type { Report } from './types.js';

/** MAIL_*: a real SMTP server (required in production) or `dummy`. */
export function parseMail(env: Env, report: Report): MailSettings {
  const dir = env.MAIL_TEMPLATES_DIR;
  if (dir !== undefined && !(existsSync(dir) && statSync(dir).isDirectory())) report.problem('MAIL_TEMPLATES_DIR', `${dir} is not a directory`);
  if (env.MAIL_HOST === undefined || env.MAIL_HOST === 'dummy') {
    if (report.production) report.problem('MAIL_HOST', 'a real SMTP server is required in production ("dummy" only logs mails)');
    report.warn('MAIL_HOST is dummy: mails are logged, not sent (development only)');
    return { kind: 'dummy', templatesDir: env.MAIL_TEMPLATES_DIR };
  }
  if (env.MAIL_FROM === undefined) report.problem('MAIL_FROM', 'required when MAIL_HOST is an SMTP server');
  else {
    const problem = mailFromProblem(env.MAIL_FROM);
    if (problem !== undefined) report.problem('MAIL_FROM', problem);
  }
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

const address = z.email();

/**
 * MAIL_FROM is an address (`no-reply@acme.test`) or a name and an address
 * (`Acme <no-reply@acme.test>`, the name possibly quoted). A value wrapped in quotes as a whole is
 * what `docker run --env-file` passes on from a .env written for dotenv: every mail would fail.
 */
function mailFromProblem(from: string): string | undefined {
  if (/^(["']).*\1$/.test(from)) return 'has quotes around the whole value (docker --env-file keeps them): write Acme <no-reply@acme.test> without them';
  const match = /^(?:[^<>]*<([^<>\s]+)>|([^<>\s]+))$/.exec(from);
  const addr = match?.[1] ?? match?.[2];
  if (addr === undefined || !address.safeParse(addr).success) return `"${from}" is not an address or Name <address>`;
  return undefined;
}
