import { BackendError, type EmailLookup, type UserBackend } from '../backends/types.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Mailer } from '../mail/mailer.js';

/** A start that cannot go on: the process prints it as one line and exits 1. */
export class StartupError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'StartupError';
  }
}

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 2000;

/**
 * Waits for the backend to answer and to fit the configuration (every mapped column, of a usable
 * type: `capabilities()`). What waiting cannot fix — credentials refused, a database, table or
 * column missing — ends the start at once; what it may fix (connection refused, a timeout: a
 * database that starts after the gateway) is retried with a backoff up to STARTUP_TIMEOUT.
 */
export async function waitForBackend(
  backend: UserBackend,
  options: { timeoutMs: number; clock: Clock; logger: Logger; sleep?: (ms: number) => Promise<void> },
): Promise<void> {
  const { clock, logger, sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms)) } = options;
  const deadline = clock.now() + options.timeoutMs;
  for (let delay = FIRST_RETRY_MS; ; delay = Math.min(delay * 2, MAX_RETRY_MS)) {
    try {
      await backend.ping();
      await backend.capabilities();
      return;
    } catch (error) {
      if (!(error instanceof BackendError)) throw error;
      if (error.code !== 'unavailable' && error.code !== 'timeout') {
        throw new StartupError(`the ${backend.kind} backend cannot be used: ${error.message}`, { cause: error });
      }
      if (clock.now() + delay > deadline) {
        throw new StartupError(`the ${backend.kind} backend did not answer within STARTUP_TIMEOUT (${options.timeoutMs / 1000} s): ${error.message}`, { cause: error });
      }
      logger.warn('waiting for the backend', { backend: backend.kind, error: error.message, retry_in_ms: delay });
      await sleep(delay);
    }
  }
}

/**
 * Exact lookups (EMAIL_LOOKUP=exact, the default: the unique index's match) never find a row whose
 * email is not lower-case — `John@Example.com` cannot sign in, reset, or sign up again. Counted
 * once at start where the store can be asked, and warned about with the two ways out.
 */
export async function warnAboutMixedCaseEmails(backend: UserBackend, lookup: EmailLookup, logger: Logger): Promise<void> {
  if (lookup !== 'exact' || !backend.mixedCaseEmails) return;
  let count: number;
  try {
    count = await backend.mixedCaseEmails();
  } catch (error) {
    logger.debug('could not count emails that are not lower-case', { error: error instanceof Error ? error.message : String(error) });
    return;
  }
  if (count === 0) return;
  logger.warn(
    `${count} users have an email that is not lower-case: exact lookups never find them (they cannot sign in). Lower-case them — npm run migrate -- --print shows the UPDATE — or set EMAIL_LOOKUP=insensitive`,
    { count },
  );
}

/**
 * Connects and logs in to the mail server once, sending nothing. In production, credentials or
 * a host name the server refuses end the start (every mail would fail); a server that does not
 * answer is only warned about (it may come later). Never part of /readyz: a mail outage must not
 * take sign-ins out of the load balancer — `authura_mail_up` tells it instead.
 */
export async function checkMail(mailer: Mailer, options: { production: boolean; logger: Logger; up(ok: boolean): void }): Promise<void> {
  const check = await mailer.verify();
  options.up(check.ok);
  if (check.ok) return;
  const variables = check.reason === 'auth' ? 'MAIL_USER / MAIL_PASS' : 'MAIL_HOST / MAIL_PORT';
  if (options.production && check.reason !== 'unreachable') {
    throw new StartupError(`the mail server cannot be used (${variables}): ${check.message}`);
  }
  options.logger.warn('the mail server could not be used at start: mails fail until it can', { check: variables, reason: check.reason, error: check.message });
}
