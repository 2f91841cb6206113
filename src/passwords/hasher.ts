import { randomBytes } from 'node:crypto';
import { AppError } from '../core/errors.js';
import { type FirebaseScryptParams, readStoredHash, type Unusable } from './formats.js';
import type { HashPool } from './worker-pool.js';

/** What checking a password against a stored value found. */
export interface PasswordCheck {
  readonly matches: boolean;
  /**
   * A match worth hashing again at BCRYPT_COST: a bcrypt hash of a lower cost, or another format
   * (argon2, scrypt, PBKDF2, Firebase scrypt) — unless the password is longer than bcrypt's 72
   * bytes, which keeps its hash.
   */
  readonly rehash: boolean;
  /**
   * The stored value could not be checked — not a format the gateway knows, beyond the work
   * limits, or Firebase scrypt without its parameters — and a dummy comparison ran instead (the
   * operator should look at it).
   */
  readonly unusable?: Unusable;
}

/** Hashes and checks passwords, always off the main thread. */
export interface PasswordHasher {
  /** A new bcrypt hash at BCRYPT_COST (the only format the gateway writes). */
  hash(password: string): Promise<string>;
  /**
   * Compares `password` with a stored value of any known format. A value that cannot be checked
   * costs a dummy comparison at BCRYPT_COST, as an unknown user does.
   */
  verify(password: string, stored: string): Promise<PasswordCheck>;
  /**
   * Spends the same time as {@link verify} on a real hash and always answers false: used when
   * the user is unknown, so that answer takes as long as a wrong password.
   */
  verifyDummy(password: string): Promise<false>;
  close(): Promise<void>;
}

/** bcrypt reads at most 72 bytes: a longer password keeps the hash it has. */
const BCRYPT_MAX_BYTES = 72;

/**
 * At most `limit` jobs at once; the others wait (at most `queueLimit`, then 503 overloaded).
 * For memory-hard checks: each may take up to 256 MiB.
 */
function semaphore(limit: number, queueLimit: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (running >= limit) {
      if (waiting.length >= queueLimit) throw new AppError('overloaded', 'The server is busy checking passwords; please retry shortly', { retryAfterSeconds: 1 });
      // The slot is handed over by the job that ends (running stays as it is), so no caller
      // arriving in between can take it.
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else {
      running += 1;
    }
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running -= 1;
    }
  };
}

/**
 * Passwords in the worker-thread pool: new hashes are bcrypt at `cost`; stored values are checked
 * in their own format (formats.ts) within the work limits, memory-hard ones at most
 * `memoryHardConcurrency` at once. The dummy hash, at `cost`, is made once, in the pool.
 */
export async function createHasher(
  pool: HashPool,
  options: { cost: number; firebase?: FirebaseScryptParams; memoryHardConcurrency: number; queueLimit: number },
): Promise<PasswordHasher> {
  const { cost } = options;
  const dummyHash = (await pool.run({ op: 'hash', password: randomBytes(16).toString('hex'), cost })) as string;
  const dummy = (password: string) => pool.run({ op: 'compare', password, hash: dummyHash });
  const memoryHard = semaphore(options.memoryHardConcurrency, options.queueLimit);
  return {
    hash: async (password) => (await pool.run({ op: 'hash', password, cost })) as string,
    async verify(password, stored) {
      const known = readStoredHash(stored, options.firebase);
      if (typeof known === 'string') {
        await dummy(password);
        return { matches: false, rehash: false, unusable: known };
      }
      const run = () =>
        known.job.scheme === 'bcrypt'
          ? pool.run({ op: 'compare', password, hash: known.job.hash })
          : pool.run({ op: 'verify', password, stored: known.job });
      const matches = (await (known.memoryHard ? memoryHard(run) : run())) as boolean;
      const rehash = matches && (known.bcryptCost === undefined ? Buffer.byteLength(password, 'utf8') <= BCRYPT_MAX_BYTES : known.bcryptCost < cost);
      return { matches, rehash };
    },
    async verifyDummy(password) {
      await dummy(password);
      return false;
    },
    close: () => pool.close(),
  };
}
