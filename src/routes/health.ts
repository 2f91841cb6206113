import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import type { AppEnv } from '../http/context.js';
import { errorFields } from '../logger.js';

/** GET /healthz, GET /readyz (the backend answers too) and GET /.well-known/jwks.json. */
export function healthRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
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
