import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * The machine's bcryptjs limit: one thread per core comparing a cost-10 hash as fast as it can
 * for `ms`; the total comparisons a second. This is the ceiling /token can approach.
 */
export async function measureHashLimit(ms = 3000, threads = availableParallelism()): Promise<number> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const bcrypt = require(workerData.bcrypt);
    const hash = bcrypt.hashSync('Bench-Pass-123!', 10);
    let n = 0; const end = Date.now() + workerData.ms;
    while (Date.now() < end) { bcrypt.compareSync('Bench-Pass-123!', hash); n++; }
    parentPort.postMessage(n);`;
  const bcryptPath = (await import('node:module')).createRequire(import.meta.url).resolve('bcryptjs');
  const counts = await Promise.all(
    Array.from({ length: threads }, () => new Promise<number>((resolve, reject) => {
      const worker = new Worker(code, { eval: true, workerData: { ms, bcrypt: bcryptPath } });
      worker.once('message', (n: number) => {
        resolve(n);
        void worker.terminate();
      });
      worker.once('error', reject);
    })),
  );
  return counts.reduce((a, b) => a + b, 0) / (ms / 1000);
}
