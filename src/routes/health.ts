import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import type { AppEnv } from '../http/context.js';
import { errorFields } from '../logger.js';

/** GET /healthz (the process answers) and GET /readyz (the backend answers too). */
export function healthRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
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
