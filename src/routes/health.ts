import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import type { AppEnv } from '../http/context.js';
import { errorFields } from '../logger.js';
import { bearerToken } from '../http/token-delivery.js';
import { AppError } from '../http/errors.js';
import { safeEqual } from '../safe-equal.js';
import type { Clock } from '../clock.js';

/** GET /healthz, GET /readyz (the backend answers too) and GET /.well-known/jwks.json. */
export function healthRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  // Prometheus text; with METRICS_TOKEN set, only for `Authorization: Bearer <METRICS_TOKEN>`;
  // in production without it, not at all (the start warns).
  if (deps.config.metricsServed) app.get('/metrics', async (c) => {
    const token = deps.config.metricsToken;
    if (token !== undefined && !safeEqual(bearerToken(c.req.header('authorization')) ?? '', token)) {
      throw new AppError('unauthorized', 'Send the metrics token as a bearer token');
    }
    c.header('Content-Type', deps.metrics.registry.contentType);
    return c.body(await deps.metrics.registry.metrics());
  });
  // The access tokens' public keys (EdDSA/RS256), for services that verify without our secret.
  app.get('/.well-known/jwks.json', async (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    c.header('Access-Control-Allow-Origin', '*');
    return c.json(await deps.tokens.jwks());
  });
  const probe = coalescedProbe(() => deps.backend.ping(), deps.clock);
  app.get('/readyz', async (c) => {
    try {
      await probe();
      return c.json({ status: 'ok', backend: deps.backend.kind });
    } catch (error) {
      deps.logger.warn('readiness check failed', { backend: deps.backend.kind, error: errorFields(error) });
      return c.json({ status: 'unavailable', backend: deps.backend.kind, message: 'The user backend does not answer' }, 503);
    }
  });
  return app;
}

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
      const settle = () => (entry.at = clock.now());
      outcome.then(settle, settle);
      last = entry;
    }
    return last.outcome;
  };
}
