import type { Clock } from '../core/clock.js';
import { errorFields, type Logger } from '../core/logger.js';
import { send } from '../core/outbound.js';
import type { RequestScope } from '../core/request.js';

/** The security events written to the audit trail. */
type AuditEvent =
  | 'signup_requested'
  | 'account_created'
  | 'login_succeeded'
  | 'login_failed'
  | 'token_refreshed'
  | 'password_reset_requested'
  | 'password_changed'
  | 'email_change_requested'
  | 'email_changed'
  | 'email_change_reverted'
  | 'user_invited'
  | 'impersonation'
  | 'oauth_login'
  | 'passwordless_requested'
  | 'mfa_enabled'
  | 'mfa_disabled'
  | 'mfa_recovery_codes_renewed'
  | 'admin_call'
  | 'passkey_registered'
  | 'passkey_removed'
  | 'passkey_backup_changed'
  | 'logout'
  | 'rate_limited';

/** AUDIT_*: where audit lines are also POSTed. */
export interface AuditSettings {
  readonly url: string | undefined;
  readonly timeoutMs: number;
  /** Events on their way to `url` at once; past it, events are not POSTed (and are counted). */
  readonly maxInFlight: number;
}

export interface Audit {
  /** One structured line per event; never a secret: ids, tenant, IP and request id only. */
  record(scope: RequestScope, event: AuditEvent, fields?: { userId?: unknown; actorId?: unknown; detail?: string }): void;
}

/**
 * Audit lines go to `write` (stdout) as JSON (`"audit": true`), and, with AUDIT_URL, are also
 * POSTed there one by one (best effort, with a timeout, never following a redirect: a slow
 * collector never slows a login). At most `maxInFlight` POSTs are on their way at once: a stalled
 * collector under load would otherwise hold a socket and a buffer per event; the rest are dropped
 * and counted (`onDropped`).
 */
export function createAudit(
  settings: AuditSettings,
  logger: Logger,
  options: { write?: (line: string) => void; onDropped?: () => void; clock: Clock },
): Audit {
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  let inFlight = 0;
  const post = (line: string, url: string) => {
    inFlight += 1;
    send(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: line, timeoutMs: settings.timeoutMs })
      .then(
        ({ status }) => {
          if (status < 200 || status >= 300) logger.warn('audit collector refused an event', { status });
        },
        (error: unknown) => logger.warn('audit collector unreachable', { error: errorFields(error) }),
      )
      .finally(() => {
        inFlight -= 1;
      });
  };
  return {
    record(scope, event, fields = {}) {
      const line = JSON.stringify({
        time: new Date(options.clock.now()).toISOString(),
        audit: true,
        event,
        user_id: fields.userId === undefined ? undefined : String(fields.userId),
        actor_id: fields.actorId === undefined ? undefined : String(fields.actorId),
        tenant_id: scope.tenantId,
        ip: scope.clientIp,
        request_id: scope.requestId,
        path: scope.path,
        detail: fields.detail,
      });
      write(`${line}\n`);
      if (settings.url === undefined) return;
      if (inFlight >= settings.maxInFlight) options.onDropped?.();
      else post(line, settings.url);
    },
  };
}
