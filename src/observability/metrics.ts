import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { AppError } from '../core/errors.js';
import type { PasskeyStore, StoredUser, UserBackend } from '../backends/types.js';
import type { HookClient } from '../hooks/hook-client.js';
import type { HashPool } from '../passwords/worker-pool.js';

type Dependency = 'backend' | 'hook' | 'mail';

/** Prometheus metrics of one gateway (its own registry: no global state between app instances). */
export interface Metrics {
  readonly registry: Registry;
  /** The text GET /metrics serves: this registry, or with WORKERS > 1 every process's summed. */
  scrape(): Promise<string>;
  /** One answered request, by route pattern (never the raw path), method and status. */
  request(route: string, method: string, status: number, seconds: number): void;
  login(result: 'ok' | 'failed'): void;
  tokensIssued(kind: 'access' | 'refresh'): void;
  /** A job handed to the hashing threads (by operation only: nothing about whose hash). */
  passwordJob(op: 'hash' | 'compare'): void;
  /** An audit event dropped because too many were already on their way to the collector. */
  auditDropped(): void;
  /** Whether the mail server answered at the last check or send (authura_mail_up). */
  mailUp(up: boolean): void;
  /** Times `work` as a call to `dependency`, counting failures. */
  observe<T>(dependency: Dependency, operation: string, work: () => Promise<T>): Promise<T>;
}

export function createMetrics(scrapeOf: (registry: Registry) => () => Promise<string> = (registry) => () => registry.metrics()): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'authura_process_' });
  const counter = (name: string, help: string, labelNames: string[] = []) => new Counter({ name, help, labelNames, registers: [registry] });
  const histogram = (name: string, help: string, labelNames: string[], buckets: number[]) =>
    new Histogram({ name, help, labelNames, buckets, registers: [registry] });
  const requests = counter('authura_http_requests_total', 'HTTP requests', ['route', 'method', 'status']);
  const duration = histogram('authura_http_request_duration_seconds', 'HTTP request latency', ['route', 'method'], [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]);
  const logins = counter('authura_logins_total', 'Password logins', ['result']);
  const issued = counter('authura_tokens_issued_total', 'Tokens issued', ['kind']);
  const passwordJobs = counter('authura_password_jobs_total', 'Jobs run by the password hashing threads', ['op']);
  const auditDropped = counter('authura_audit_dropped_total', 'Audit events not sent to AUDIT_URL because too many were in flight');
  const mailUp = new Gauge({ name: 'authura_mail_up', help: 'Whether the mail server answered the last check or send (1) or not (0)', registers: [registry] });
  const depErrors = counter('authura_dependency_errors_total', 'Failed calls to a dependency', ['dependency', 'operation']);
  const depDuration = histogram('authura_dependency_duration_seconds', 'Latency of calls to a dependency', ['dependency', 'operation'], [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]);

  return {
    registry,
    scrape: scrapeOf(registry),
    request(route, method, status, seconds) {
      duration.observe({ route, method }, seconds);
      requests.inc({ route, method, status: String(status) });
    },
    login: (result) => logins.inc({ result }),
    tokensIssued: (kind) => issued.inc({ kind }),
    passwordJob: (op) => passwordJobs.inc({ op }),
    auditDropped: () => auditDropped.inc(),
    mailUp: (up) => mailUp.set(up ? 1 : 0),
    async observe(dependency, operation, work) {
      const end = depDuration.startTimer({ dependency, operation });
      try {
        const result = await work();
        if (dependency === 'mail') mailUp.set(1);
        return result;
      } catch (error) {
        depErrors.inc({ dependency, operation });
        // A refused message (mail_failed) says nothing of the server being down.
        if (dependency === 'mail' && error instanceof AppError && (error.code === 'mail_unavailable' || error.code === 'mail_timeout')) mailUp.set(0);
        throw error;
      } finally {
        end();
      }
    },
  };
}

/** The backend with every call timed and failures counted. */
export function observedBackend(backend: UserBackend, metrics: Metrics): UserBackend {
  const { spendLink, unspendLink, mixedCaseEmails, mfa, passkeys, listUsers, deleteUser, userClaims } = backend;
  return {
    kind: backend.kind,
    findByEmail: (...a) => metrics.observe('backend', 'find', () => backend.findByEmail(...a)),
    findById: (...a) => metrics.observe('backend', 'find', () => backend.findById(...a)),
    create: (...a) => metrics.observe('backend', 'create', () => backend.create(...a)),
    update: (...a) => metrics.observe('backend', 'update', () => backend.update(...a)),
    ping: () => metrics.observe('backend', 'ping', () => backend.ping()),
    capabilities: () => backend.capabilities(),
    ...(spendLink ? { spendLink: (jti: string, expiresAt: number) => metrics.observe('backend', 'spend', () => spendLink.call(backend, jti, expiresAt)) } : {}),
    ...(unspendLink ? { unspendLink: (jti: string) => metrics.observe('backend', 'spend', () => unspendLink.call(backend, jti)) } : {}),
    ...(mixedCaseEmails ? { mixedCaseEmails: () => mixedCaseEmails.call(backend) } : {}),
    ...(passkeys ? { passkeys: observedPasskeys(passkeys, metrics) } : {}),
    ...(userClaims ? { userClaims: (user: StoredUser) => metrics.observe('backend', 'claims', () => userClaims.call(backend, user)) } : {}),
    ...(listUsers ? { listUsers: (...a) => metrics.observe('backend', 'find', () => listUsers.call(backend, ...a)) } : {}),
    ...(deleteUser ? { deleteUser: (...a) => metrics.observe('backend', 'update', () => deleteUser.call(backend, ...a)) } : {}),
    ...(mfa ? { mfa: { read: (...a) => metrics.observe('backend', 'mfa', () => mfa.read(...a)), write: (...a) => metrics.observe('backend', 'mfa', () => mfa.write(...a)) } } : {}),
    close: () => backend.close(),
  };
}

function observedPasskeys(store: PasskeyStore, metrics: Metrics): PasskeyStore {
  const observe = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => (...args: A) => metrics.observe('backend', 'passkeys', () => fn(...args));
  return {
    list: observe(store.list.bind(store)),
    find: observe(store.find.bind(store)),
    create: observe(store.create.bind(store)),
    update: observe(store.update.bind(store)),
    remove: observe(store.remove.bind(store)),
  };
}

export function observedHooks(hooks: HookClient, metrics: Metrics): HookClient {
  return { call: (action, user, context) => metrics.observe('hook', action, () => hooks.call(action, user, context)) };
}

/** The hashing pool with every job counted. */
export function observedHashPool(pool: HashPool, metrics: Metrics): HashPool {
  return {
    run(job) {
      metrics.passwordJob(job.op === 'hash' ? 'hash' : 'compare');
      return pool.run(job);
    },
    get queued() {
      return pool.queued;
    },
    close: () => pool.close(),
  };
}
