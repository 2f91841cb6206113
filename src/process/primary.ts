import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { Config } from '../config/types.js';
import type { Clock } from '../core/clock.js';
import { errorFields, type Logger } from '../core/logger.js';
import { isMessage, type PrimaryMessage, type WorkerMessage } from './ipc.js';
import { restartPolicy } from './restart-policy.js';

/** How long SIGTERM/SIGINT waits for the gateway processes before the primary exits anyway. */
const STOP_MS = 15_000;

/**
 * WORKERS > 1: this process forks that many gateway processes sharing the port (node:cluster)
 * and serves nothing itself.
 * - A process that ends before it reports listening failed to start: the whole process exits 1
 *   with its reason (as WORKERS=1 does), instead of restarting it for ever.
 * - A process that crashes later is replaced after a backoff (1 s doubling to 30 s); 5 crashes
 *   within 60 s end the whole process (exit 1).
 * - GET /metrics in any of them asks here for the sum of all (prom-client's AggregatorRegistry).
 * - SIGTERM/SIGINT pass to every process; the primary exits once they have (at most 15 s).
 */
export function runPrimary(config: Config, logger: Logger, clock: Clock): void {
  if (config.limits.redisUrl === undefined && config.limits.perMinute > 0) {
    logger.warn('WORKERS > 1 without RATE_LIMIT_REDIS_URL: each process counts rate limits on its own');
  }
  const aggregator = new AggregatorRegistry();
  const policy = restartPolicy();
  const listening = new WeakSet<Worker>();
  const failures = new WeakMap<Worker, string>();
  const pending = new Set<NodeJS.Timeout>();
  let stopping = false;
  let exitCode = 0;

  const stopAll = (signal: NodeJS.Signals, code: number) => {
    stopping = true;
    for (const timer of pending) clearTimeout(timer);
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) process.exit(code);
    exitCode = code;
    for (const worker of workers) worker?.process.kill(signal);
    setTimeout(() => process.exit(code === 0 ? 1 : code), STOP_MS).unref();
  };

  const fork = () => {
    const worker = cluster.fork();
    worker.on('message', (message: unknown) => {
      if (isMessage<Extract<WorkerMessage, { type: 'authura:listening' }>>(message, 'authura:listening')) {
        listening.add(worker);
        logger.info('gateway process serving', { pid: worker.process.pid });
      }
      else if (isMessage<Extract<WorkerMessage, { type: 'authura:failed' }>>(message, 'authura:failed')) failures.set(worker, message.message);
      else if (isMessage<Extract<WorkerMessage, { type: 'authura:metrics-request' }>>(message, 'authura:metrics-request')) {
        const reply = (answer: Omit<PrimaryMessage, 'type' | 'id'>) => {
          if (worker.isConnected()) worker.send({ type: 'authura:metrics', id: message.id, ...answer } satisfies PrimaryMessage);
        };
        aggregator.clusterMetrics().then(
          (text) => reply({ text }),
          (error: unknown) => reply({ error: error instanceof Error ? error.message : String(error) }),
        );
      }
    });
  };

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(exitCode);
      return;
    }
    if (!listening.has(worker)) {
      logger.error('a gateway process failed to start; stopping', { pid: worker.process.pid, code, signal, reason: failures.get(worker) ?? 'it exited before listening' });
      stopAll('SIGTERM', 1);
      return;
    }
    const decision = policy.crashed(clock.now());
    if (decision.action === 'stop') {
      logger.error('gateway processes keep crashing; stopping', { reason: decision.reason, pid: worker.process.pid, code, signal });
      stopAll('SIGTERM', 1);
      return;
    }
    logger.error('gateway process died; starting another', { pid: worker.process.pid, code, signal, restart_in_ms: decision.delayMs });
    const timer = setTimeout(() => {
      pending.delete(timer);
      if (!stopping) fork();
    }, decision.delayMs);
    pending.add(timer);
  });

  for (let i = 0; i < config.server.workers; i++) fork();
  const stop = (signal: NodeJS.Signals) => {
    logger.info('shutting down workers', { signal });
    stopAll(signal, 0);
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  process.on('unhandledRejection', (error) => logger.error('unhandled rejection', { error: errorFields(error) }));
  logger.info('authura primary started', { workers: config.server.workers });
}
