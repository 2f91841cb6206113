import { randomBytes } from 'node:crypto';
import type { HashPool } from './worker-pool.js';

/** Hashes and checks passwords, always off the main thread. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** False for a wrong password and for a stored value that is not a bcrypt hash. */
  verify(password: string, hash: string): Promise<boolean>;
  /**
   * Spends the same time as {@link verify} on a real hash and always answers false: used when
   * the user is unknown, so that answer takes as long as a wrong password.
   */
  verifyDummy(password: string): Promise<false>;
  close(): Promise<void>;
}

const BCRYPT_HASH = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;
/**
 * Above this cost a stored hash is refused rather than checked: cost 31 is 2^31 rounds, hours of
 * a thread, and no real table holds such a hash.
 */
const MAX_VERIFY_COST = 20;

/**
 * bcrypt (bcryptjs) at `cost` rounds in the worker-thread pool; verifies `$2a$`, `$2b$` and
 * `$2y$` hashes of any cost. The dummy hash is made once, in the pool.
 */
export async function createBcryptHasher(pool: HashPool, cost = 10): Promise<PasswordHasher> {
  const dummyHash = (await pool.run({ op: 'hash', password: randomBytes(16).toString('hex'), cost })) as string;
  return {
    hash: async (password) => (await pool.run({ op: 'hash', password, cost })) as string,
    async verify(password, hash) {
      const match = BCRYPT_HASH.exec(hash);
      if (!match || Number(match[1]) > MAX_VERIFY_COST) return false;
      return (await pool.run({ op: 'compare', password, hash })) as boolean;
    },
    async verifyDummy(password) {
      await pool.run({ op: 'compare', password, hash: dummyHash });
      return false;
    },
    close: () => pool.close(),
  };
}
