import { randomBytes } from 'node:crypto';
import type { HashPool } from './worker-pool.js';

/** What checking a password against a stored value found. */
export interface PasswordCheck {
  readonly matches: boolean;
  /** A match against a hash of a lower cost than BCRYPT_COST: worth hashing again. */
  readonly weaker: boolean;
  /**
   * The stored value could not be checked — it is not a bcrypt hash, or its cost is above the
   * highest accepted — and a dummy comparison ran instead (the operator should look at it).
   */
  readonly unusable?: 'not_bcrypt' | 'cost_too_high';
}

/** Hashes and checks passwords, always off the main thread. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /**
   * Compares `password` with a stored hash. Whatever is stored, the work is one comparison at
   * least as costly as BCRYPT_COST: a value that cannot be checked costs a dummy comparison.
   */
  verify(password: string, hash: string): Promise<PasswordCheck>;
  /**
   * Spends the same time as {@link verify} on a real hash and always answers false: used when
   * the user is unknown, so that answer takes as long as a wrong password.
   */
  verifyDummy(password: string): Promise<false>;
  close(): Promise<void>;
}

const BCRYPT_HASH = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;
/**
 * Above this cost a stored hash is refused rather than checked: each step doubles the work, and
 * cost 16 already holds a hashing thread for seconds (20: minutes; 31: days) — one such row
 * would let anyone who knows its address stall the pool. BCRYPT_COST itself stops at 15.
 */
const MAX_VERIFY_COST = 15;

/**
 * bcrypt (bcryptjs) at `cost` rounds in the worker-thread pool; verifies `$2a$`, `$2b$` and
 * `$2y$` hashes of costs up to {@link MAX_VERIFY_COST}. The dummy hash, at `cost`, is made once,
 * in the pool.
 */
export async function createBcryptHasher(pool: HashPool, cost = 10): Promise<PasswordHasher> {
  const dummyHash = (await pool.run({ op: 'hash', password: randomBytes(16).toString('hex'), cost })) as string;
  const dummy = (password: string) => pool.run({ op: 'compare', password, hash: dummyHash });
  return {
    hash: async (password) => (await pool.run({ op: 'hash', password, cost })) as string,
    async verify(password, hash) {
      const match = BCRYPT_HASH.exec(hash);
      const stored = match ? Number(match[1]) : undefined;
      if (stored === undefined || stored > MAX_VERIFY_COST) {
        await dummy(password);
        return { matches: false, weaker: false, unusable: stored === undefined ? 'not_bcrypt' : 'cost_too_high' };
      }
      const matches = (await pool.run({ op: 'compare', password, hash })) as boolean;
      return { matches, weaker: matches && stored < cost };
    },
    async verifyDummy(password) {
      await dummy(password);
      return false;
    },
    close: () => pool.close(),
  };
}
