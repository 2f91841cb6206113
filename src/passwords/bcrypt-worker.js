// A hashing thread: bcryptjs's synchronous API, so this thread does nothing else and the main
// thread's event loop stays free. Plain JavaScript, so the same file runs from src/ (tests) and
// dist/ (copied by tsc, allowJs). Messages: see HashJob / HashResult in worker-pool.ts.
import bcrypt from 'bcryptjs';
import { parentPort } from 'node:worker_threads';

parentPort?.on('message', (job) => {
  try {
    const value = job.op === 'hash' ? bcrypt.hashSync(job.password, job.cost) : bcrypt.compareSync(job.password, job.hash);
    parentPort?.postMessage({ id: job.id, value });
  } catch (error) {
    parentPort?.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) });
  }
});
