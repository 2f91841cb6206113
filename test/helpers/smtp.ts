import { simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  readonly to: string;
  readonly from: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  /** The first link in the text part, if any. */
  readonly link: string | undefined;
}

export interface SmtpOptions {
  /** Answer every message with this SMTP error instead of accepting it. */
  reject?: { code: number; message: string };
  /** Never answer the DATA command (a hanging server). */
  hang?: boolean;
  /** Accept only these credentials (without: any login, or none). */
  credentials?: { user: string; pass: string };
}

/** A real SMTP server in this process that keeps what it receives. */
export class TestSmtpServer {
  readonly mails: ReceivedMail[] = [];
  options: SmtpOptions = {};
  #server: SMTPServer;
  #waiters: Array<{ matches: (mail: ReceivedMail) => boolean; resolve: (mail: ReceivedMail) => void }> = [];
  port = 0;

  constructor() {
    this.#server = new SMTPServer({
      authOptional: true,
      allowInsecureAuth: true,
      onAuth: (auth, _session, callback) => {
        const wanted = this.options.credentials;
        if (wanted && (auth.username !== wanted.user || auth.password !== wanted.pass)) {
          callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
          return;
        }
        callback(null, { user: auth.username });
      },
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, _session, callback) => {
        if (this.options.hang) {
          stream.resume();
          return;
        }
        simpleParser(stream).then(
          (parsed) => {
            if (this.options.reject) {
              const error = Object.assign(new Error(this.options.reject.message), { responseCode: this.options.reject.code });
              callback(error);
              return;
            }
            const to = Array.isArray(parsed.to) ? parsed.to[0]?.text : parsed.to?.text;
            const text = parsed.text ?? '';
            const mail: ReceivedMail = {
              to: to ?? '',
              from: parsed.from?.text ?? '',
              subject: parsed.subject ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              text,
              link: /https?:\/\/\S+/.exec(text)?.[0],
            };
            this.mails.push(mail);
            // The first waiter it answers takes it.
            const waiter = this.#waiters.find((w) => w.matches(mail));
            if (waiter) {
              this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
              waiter.resolve(mail);
            }
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.#server.server.address() as AddressInfo).port;
    return this.port;
  }

  /** The next mail to `to` (or one already received and not yet taken), with `subject` when given. */
  next(to: string, subject?: string, timeoutMs = 5000): Promise<ReceivedMail> {
    const matches = (m: ReceivedMail) => m.to === to && (subject === undefined || m.subject === subject);
    const index = this.mails.findIndex(matches);
    if (index >= 0) return Promise.resolve(this.mails.splice(index, 1)[0] as ReceivedMail);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no mail to ${to}${subject ? ` (${subject})` : ''} within ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.push({
        matches,
        resolve: (mail) => {
          clearTimeout(timer);
          this.mails.splice(this.mails.indexOf(mail), 1);
          resolve(mail);
        },
      });
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
