import type { Context } from 'hono';
import type { AppEnv } from './http/context.js';
import { errorFields, type Logger } from './logger.js';

/** The security events written to the audit trail. */
export type AuditEvent =
  | 'signup_requested'
  | 'account_created'
  | 'login_succeeded'
  | 'login_failed'
  | 'token_refreshed'
  | 'password_reset_requested'
  | 'password_changed'
  | 'email_change_requested'
  | 'email_changed'
  | 'user_invited'
  | 'impersonation'
  | 'oauth_login'
  | 'logout'
  | 'rate_limited';

export interface Audit {
  /** One structured line per event; never a secret: ids, tenant, IP and request id only. */
  record(c: Context<AppEnv>, event: AuditEvent, fields?: { userId?: unknown; actorId?: unknown; detail?: string }): void;
}

/**
 * Audit lines go to stdout as JSON (`"audit": true`), and, with AUDIT_URL, are also POSTed there
 * one by one (best effort, with a timeout: a slow collector never slows a login). At most
 * `maxInFlight` POSTs are on their way at once: a stalled collector under load would otherwise
 * hold a socket and a buffer per event; the rest are dropped and counted (`onDropped`).
 */
export function createAudit(
  options: { url: string | undefined; timeoutMs: number; maxInFlight: number },
  logger: Logger,
  write: (line: string) => void = (line) => void process.stdout.write(line),
  onDropped: () => void = () => {},
): Audit {
  let inFlight = 0;
  return {
    record(c, event, fields = {}) {
      const entry = {
        time: new Date().toISOString(),
        audit: true,
        event,
        user_id: fields.userId === undefined ? undefined : String(fields.userId),
        actor_id: fields.actorId === undefined ? undefined : String(fields.actorId),
        tenant_id: c.get('tenantId') ?? null,
        ip: c.get('clientIp'),
        request_id: c.get('requestId'),
        path: c.req.path,
        detail: fields.detail,
      };
      const line = JSON.stringify(entry);
      write(`${line}\n`);
      if (options.url && inFlight >= options.maxInFlight) onDropped();
      else if (options.url) {
        inFlight += 1;
        fetch(options.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: line, signal: AbortSignal.timeout(options.timeoutMs) }).then(
          (response) => {
            if (!response.ok) logger.warn('audit collector refused an event', { status: response.status });
            void response.body?.cancel();
          },
          (error: unknown) => logger.warn('audit collector unreachable', { error: errorFields(error) }),
        ).finally(() => {
          inFlight -= 1;
        });
      }
    },
  };
}
