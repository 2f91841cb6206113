import 'dotenv/config';
import cluster from 'node:cluster';
import { loadConfig } from './config/load-config.js';
import { type Config, ConfigError } from './config/types.js';
import { systemClock } from './core/clock.js';
import { createLogger, errorFields } from './core/logger.js';
import { buildDeps } from './deps.js';
import { runPrimary } from './process/primary.js';
import { clusterScrape, reportFailedStart, reportListening } from './process/worker.js';
import { startServer } from './server.js';

/** Startup only: config → dependencies → app → listen; SIGTERM/SIGINT shut down gracefully. */
async function main(): Promise<void> {
  let config: Config;
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
  // Once, by the process that starts (not again by every worker of a cluster).
  if (cluster.isPrimary) for (const warning of config.warnings) logger.warn(warning);
  if (cluster.isPrimary && config.server.workers > 1) return runPrimary(config, logger, systemClock);

  const running = await startServer(config, await buildDeps(config, { logger, scrape: clusterScrape }));
  reportListening();
  logger.info('authura listening', {
    url: running.url,
    pid: process.pid,
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
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`authura failed to start: ${message}\n`);
  // The report reaches the primary before the process ends.
  void reportFailedStart(message).finally(() => process.exit(1));
});
