import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import type { AppEnv } from '../http/context.js';
import { errorFields } from '../logger.js';
import { bearerToken } from '../http/token-delivery.js';
import { AppError } from '../http/errors.js';
import { safeEqual } from '../safe-equal.js';

/** GET /healthz, GET /readyz (the backend answers too) and GET /.well-known/jwks.json. */
export function healthRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  // Prometheus text; with METRICS_TOKEN set, only for `Authorization: Bearer <METRICS_TOKEN>`.
  app.get('/metrics', async (c) => {
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
  app.get('/readyz', async (c) => {
    try {
      await deps.backend.ping();
      return c.json({ status: 'ok', backend: deps.backend.kind });
    } catch (error) {
      deps.logger.warn('readiness check failed', { backend: deps.backend.kind, error: errorFields(error) });
      return c.json({ status: 'unavailable', backend: deps.backend.kind, message: 'The user backend does not answer' }, 503);
    }
  });
  return app;
}
