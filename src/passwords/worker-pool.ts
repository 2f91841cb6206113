import { Worker } from 'node:worker_threads';
import { AppError } from '../core/errors.js';
import type { VerifyJob } from './formats.js';

/** One job for a hashing thread (src/passwords/hash-worker.js). */
type HashJob =
  | { id: number; op: 'hash'; password: string; cost: number }
  | { id: number; op: 'compare'; password: string; hash: string }
  | { id: number; op: 'verify'; password: string; stored: VerifyJob };
type HashResult = { id: number; value: string | boolean } | { id: number; error: string };

type JobInput = HashJob extends infer J ? (J extends HashJob ? Omit<J, 'id'> : never) : never;

interface Pending {
  readonly job: HashJob;
  resolve(value: string | boolean): void;
  reject(error: Error): void;
}

export interface HashPool {
  run(job: JobInput): Promise<string | boolean>;
  /** Jobs waiting for a thread (not counting the ones running). */
  readonly queued: number;
  close(): Promise<void>;
}

/** Raised to the caller when the queue is full: a clear 503 instead of unbounded latency. */
export function overloaded(): AppError {
  return new AppError('overloaded', 'The server is busy hashing passwords; please retry shortly', { retryAfterSeconds: 1 });
}

/**
 * A fixed pool of worker threads for bcrypt, with a bounded queue. A thread that dies fails its
 * job and is replaced; the pool never runs bcrypt on the calling thread.
 */
export function createHashPool(options: {
  size: number;
  queueLimit: number;
  /** The threads' script: hash-worker.js (a test passes one that can be made to die). */
  workerFile?: URL;
}): HashPool {
  const file = options.workerFile ?? new URL('./hash-worker.js', import.meta.url);

  const idle: Worker[] = [];
  const busy = new Map<Worker, Pending>();
  const queue: Pending[] = [];
  let nextId = 1;
  let closed = false;

  const spawn = () => {
    // bcrypt needs almost no heap: small limits keep each thread's isolate from growing.
    const worker = new Worker(file, { resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 16 } });
    worker.unref();
    worker.on('message', (result: HashResult) => {
      const pending = busy.get(worker);
      busy.delete(worker);
      if (pending) {
        if ('error' in result) pending.reject(new Error(`bcrypt failed: ${result.error}`));
        else pending.resolve(result.value);
      }
      release(worker);
    });
    worker.on('error', (error) => fail(worker, error));
    worker.on('exit', (code) => {
      if (!closed) fail(worker, new Error(`hashing thread exited with code ${code}`));
    });
    return worker;
  };

  const fail = (worker: Worker, error: Error) => {
    const pending = busy.get(worker);
    busy.delete(worker);
    const at = idle.indexOf(worker);
    if (at >= 0) idle.splice(at, 1);
    pending?.reject(error);
    if (!closed) {
      void worker.terminate();
      release(spawn());
    }
  };

  const release = (worker: Worker) => {
    const next = queue.shift();
    if (next) {
      busy.set(worker, next);
      worker.postMessage(next.job);
    } else idle.push(worker);
  };

  for (let i = 0; i < options.size; i++) idle.push(spawn());

  return {
    run(input) {
      if (closed) return Promise.reject(new Error('the hashing pool is closed'));
      return new Promise((resolve, reject) => {
        const pending: Pending = { job: { ...input, id: nextId++ } as HashJob, resolve, reject };
        const worker = idle.pop();
        if (worker) {
          busy.set(worker, pending);
          worker.postMessage(pending.job);
        } else if (queue.length >= options.queueLimit) {
          reject(overloaded());
        } else queue.push(pending);
      });
    },
    get queued() {
      return queue.length;
    },
    async close() {
      closed = true;
      for (const pending of [...queue.splice(0), ...busy.values()]) pending.reject(new Error('the hashing pool is closed'));
      const workers = [...idle, ...busy.keys()];
      busy.clear();
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
