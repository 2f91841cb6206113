import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { AppError } from '../core/errors.js';
import { isMessage, type PrimaryMessage, type WorkerMessage } from './ipc.js';

/** How long a scrape waits for the primary's sum of every process (prom-client asks each for 5 s at most). */
const SCRAPE_TIMEOUT_MS = 6000;

const send = (message: WorkerMessage) => process.send?.(message);

/** Tells the primary this gateway process listens: from now on, its death is a crash, not a failed start. */
export function reportListening(): void {
  if (cluster.isWorker) send({ type: 'authura:listening' });
}

/** Tells the primary why this gateway process could not start (it then ends the whole process); resolves once sent. */
export function reportFailedStart(message: string): Promise<void> {
  if (!cluster.isWorker || !process.send) return Promise.resolve();
  return new Promise((resolve) => process.send?.({ type: 'authura:failed', message } satisfies WorkerMessage, undefined, {}, () => resolve()));
}

/**
 * In a gateway process of a cluster: answers the primary's requests for this process's metrics
 * (prom-client's aggregation) and returns the scrape for GET /metrics — every process's metrics
 * summed, asked of the primary, which serves no HTTP itself. Outside a cluster: this registry.
 */
export function clusterScrape(registry: Registry): () => Promise<string> {
  if (!cluster.isWorker) return () => registry.metrics();
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry(); // installs the listener that answers the primary
  const waiting = new Map<number, (message: PrimaryMessage) => void>();
  let next = 0;
  process.on('message', (message: unknown) => {
    if (isMessage<PrimaryMessage>(message, 'authura:metrics')) waiting.get(message.id)?.(message);
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = ++next;
      const unavailable = (cause: string) => new AppError('metrics_unavailable', 'The metrics of every gateway process could not be gathered; try again', { cause });
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(unavailable('timeout'));
      }, SCRAPE_TIMEOUT_MS);
      waiting.set(id, (answer) => {
        clearTimeout(timer);
        waiting.delete(id);
        if (answer.text !== undefined) resolve(answer.text);
        else reject(unavailable(answer.error ?? 'no answer'));
      });
      send({ type: 'authura:metrics-request', id });
    });
}
