import 'dotenv/config';
import { ConfigError, loadConfig } from './config/load-config.js';
import { createLogger, errorFields } from './logger.js';
import { startServer } from './server.js';

/** Startup only: config → dependencies → app → listen; SIGTERM/SIGINT shut down gracefully. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  if (config.jwt.generatedSecrets) {
    logger.warn('JWT secrets were not configured: using development secrets generated into a local file. Set JWT_SECRET, JWT_REFRESH_SECRET and JWT_VERIFY_SECRET before going to production.');
  }
  if (config.mail.kind === 'dummy') logger.warn('MAIL_HOST is dummy: mails are logged, not sent (development only)');

  const running = await startServer(config);
  logger.info('authura listening', {
    url: running.url,
    backend: config.backend.kind,
    form: `${running.url}/form`,
    multi_tenant: config.tenancy.enabled,
  });

  const shutdown = (signal: string) => {
    logger.info('shutting down', { signal });
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error: errorFields(error) });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.on('unhandledRejection', (error) => logger.error('unhandled rejection', { error: errorFields(error) }));
}

main().catch((error: unknown) => {
  process.stderr.write(`authura failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
