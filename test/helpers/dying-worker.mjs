// A hashing thread for the pool's tests that dies on request: the password "die" ends the
// thread with exit code 3 in the middle of its job; anything else is answered at once.
import { parentPort } from 'node:worker_threads';

parentPort.on('message', (job) => {
  if (job.password === 'die') process.exit(3);
  parentPort.postMessage({ id: job.id, value: job.op === 'hash' ? `hashed:${job.password}` : true });
});
