import Handlebars from 'handlebars';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The mails the gateway sends. */
const MAIL_KINDS = [
  'verify-email',
  'reset-password',
  'change-email',
  'invite',
  'account-exists',
  'no-account',
  'email-changed',
  'password-changed',
  'passwordless',
  'passkey-removed',
] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

/** What every mail template can use. All of it is escaped in the HTML part. */
export interface MailContext {
  readonly email: string;
  /** The link to follow (absent for notices that need none). */
  readonly link?: string;
  /** passwordless: the code to type on the device that asked (absent when no account can sign in). */
  readonly code?: string;
  /** Minutes (and hours, rounded up) the link stays valid. */
  readonly expiresInMinutes: number;
  readonly expiresInHours: number;
  /** email-changed: the address the account moved to. */
  readonly newEmail?: string;
  /** password-changed: why, when it was not the user's own change (e.g. a sign-in with Google); passkey-removed: the passkey's name. */
  readonly reason?: string;
  readonly tenant: string | null;
  readonly role?: string;
  /** Where the user can start over (e.g. request a password reset). */
  readonly appUrl: string;
}

interface RenderedMail {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

type MailRenderer = (kind: MailKind, context: MailContext) => RenderedMail;

/** The directory of the shipped templates (mail templates and the /form page). */
export const DEFAULT_TEMPLATES_DIR = fileURLToPath(new URL('../../templates', import.meta.url));

/**
 * Compiles every mail template once. A template in `overrideDir` (same file name) replaces the
 * shipped one. HTML parts escape every value; subject and text parts are plain text.
 */
export function compileMailTemplates(overrideDir?: string): MailRenderer {
  const hb = Handlebars.create();
  const load = (file: string) => {
    const custom = overrideDir ? join(overrideDir, file) : undefined;
    const path = custom && existsSync(custom) ? custom : join(DEFAULT_TEMPLATES_DIR, 'mail', file);
    return readFileSync(path, 'utf8');
  };
  const compiled = new Map(
    MAIL_KINDS.map((kind) => [
      kind,
      {
        subject: hb.compile(load(`${kind}.subject.hbs`), { noEscape: true, strict: false }),
        html: hb.compile(load(`${kind}.html.hbs`), { strict: false }),
        text: hb.compile(load(`${kind}.text.hbs`), { noEscape: true, strict: false }),
      },
    ]),
  );
  return (kind, context) => {
    const template = compiled.get(kind);
    if (!template) throw new Error(`Unknown mail template ${kind}`);
    return {
      // A subject is one header line: no CR/LF may reach it.
      subject: template.subject(context).replace(/[\r\n]+/g, ' ').trim(),
      html: template.html(context),
      text: template.text(context),
    };
  };
}
