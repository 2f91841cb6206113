import { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import { errorFields } from '../../core/logger.js';
import { safeEqual } from '../../core/safe-equal.js';
import type { AppServices } from '../services.js';
import { bearerToken } from '../../http/token-delivery.js';
import { route } from '../route.js';

/** How long a readiness answer is reused. */
export const READINESS_TTL_MS = 1000;

/**
 * `probe`, at most one call in flight, its outcome reused for {@link READINESS_TTL_MS}: /readyz is
 * not rate limited (orchestrators poll it), so a flood of it must not become a flood of backend
 * calls.
 */
export function coalescedProbe(probe: () => Promise<void>, clock: Clock): () => Promise<void> {
  let last: { at: number; outcome: Promise<void> } | undefined;
  return () => {
    if (last === undefined || clock.now() - last.at >= READINESS_TTL_MS) {
      const outcome = probe();
      // Kept from becoming an unhandled rejection while nobody awaits it.
      outcome.catch(() => undefined);
      // Timed from when the answer came, so a slow probe is not repeated at once.
      const entry = { at: Number.POSITIVE_INFINITY, outcome };
      const settle = () => {
        entry.at = clock.now();
      };
      outcome.then(settle, settle);
      last = entry;
    }
    return last.outcome;
  };
}

/** Why /readyz says no: which dependency, in words a load balancer's operator reads. */
class NotReady extends Error {
  constructor(
    readonly failing: 'backend' | 'redis',
    message: string,
    cause: unknown,
  ) {
    super(message, { cause });
  }
}

/** GET /healthz, /readyz, /metrics and /.well-known/jwks.json: for orchestrators, scrapers and verifiers. */
export function operationsRoutes(deps: AppServices) {
  // The backend and, when configured, Redis: what every sign-in needs. Never the mail server.
  const probe = coalescedProbe(async () => {
    await deps.backend.ping().catch((error: unknown) => {
      throw new NotReady('backend', 'The user backend does not answer', error);
    });
    await deps.limits.ping().catch((error: unknown) => {
      throw new NotReady('redis', 'The rate-limit store (Redis) does not answer', error);
    });
  }, deps.clock);
  const routes = [
    route({
      method: 'get',
      path: '/healthz',
      tag: 'operations',
      summary: 'The process answers',
      open: true,
      ok: { status: 200, description: 'OK', schema: z.object({ status: z.literal('ok') }) },
      errors: [],
      handle: (c) => c.json({ status: 'ok' }),
    }),
    route({
      method: 'get',
      path: '/readyz',
      tag: 'operations',
      summary: 'The backend (and Redis, when configured) answer too (503 `{"status": "unavailable", "failing"}` when one does not)',
      open: true,
      ok: { status: 200, description: 'Ready', schema: z.object({ status: z.string(), backend: z.string() }) },
      errors: [],
      async handle(c) {
        try {
          await probe();
          return c.json({ status: 'ok', backend: deps.backend.kind });
        } catch (error) {
          const notReady = error instanceof NotReady ? error : new NotReady('backend', 'The user backend does not answer', error);
          deps.logger.warn('readiness check failed', { backend: deps.backend.kind, failing: notReady.failing, error: errorFields(notReady.cause) });
          return c.json({ status: 'unavailable', backend: deps.backend.kind, failing: notReady.failing, message: notReady.message }, 503);
        }
      },
    }),
    // The access tokens' public keys (EdDSA/RS256), for services that verify without our secret.
    route({
      method: 'get',
      path: '/.well-known/jwks.json',
      tag: 'operations',
      summary: "The access tokens' public keys (EdDSA/RS256)",
      open: true,
      ok: { status: 200, description: 'A JWK set', schema: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }) },
      errors: [],
      handle(c) {
        c.header('Cache-Control', 'public, max-age=300');
        c.header('Access-Control-Allow-Origin', '*');
        return c.json(deps.tokens.jwks);
      },
    }),
  ];
  // Prometheus text; with METRICS_TOKEN set, only for `Authorization: Bearer <METRICS_TOKEN>`;
  // in production without it, not at all (the start warns).
  if (!deps.config.metricsServed) return routes;
  const token = deps.config.metricsToken;
  return [
    ...routes,
    route({
      method: 'get',
      path: '/metrics',
      tag: 'operations',
      summary: 'Prometheus metrics',
      open: true,
      ok: { status: 200, description: 'Prometheus text', contentType: 'text/plain' },
      errors: token === undefined ? ['metrics_unavailable'] : ['unauthorized', 'metrics_unavailable'],
      async handle(c) {
        if (token !== undefined && !safeEqual(bearerToken(c.req.header('authorization')) ?? '', token)) {
          throw new AppError('unauthorized', 'Send the metrics token as a bearer token');
        }
        c.header('Content-Type', deps.metrics.registry.contentType);
        return c.body(await deps.metrics.scrape());
      },
    }),
  ];
}
