import 'dotenv/config';
import cluster from 'node:cluster';
import { loadConfig } from './config/load-config.js';
import { type Config, ConfigError } from './config/types.js';
import { createLogger, errorFields } from './core/logger.js';
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
  if (cluster.isPrimary && config.server.workers > 1) return runPrimary(config, logger);

  const running = await startServer(config);
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

/**
 * WORKERS > 1: this process only forks that many gateway processes sharing the port (node:cluster),
 * replaces any that dies, and on SIGTERM/SIGINT passes the signal on and waits for them all.
 */
function runPrimary(config: Config, logger: ReturnType<typeof createLogger>): void {
  if (config.limits.redisUrl === undefined && config.limits.perMinute > 0) {
    logger.warn('WORKERS > 1 without RATE_LIMIT_REDIS_URL: each process counts rate limits on its own');
  }
  let stopping = false;
  for (let i = 0; i < config.server.workers; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    logger.error('gateway process died; starting another', { pid: worker.process.pid, code, signal });
    cluster.fork();
  });
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    logger.info('shutting down workers', { signal });
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    setTimeout(() => process.exit(1), 15_000).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  logger.info('authura primary started', { workers: config.server.workers });
}

main().catch((error: unknown) => {
  process.stderr.write(`authura failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
