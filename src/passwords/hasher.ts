import bcrypt from 'bcryptjs';
import { randomBytes } from 'node:crypto';

/** Hashes and checks passwords. One implementation today (bcryptjs); kept behind an interface. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** False for a wrong password and for a stored value that is not a bcrypt hash. */
  verify(password: string, hash: string): Promise<boolean>;
  /**
   * Spends the same time as {@link verify} on a real hash and always answers false: used when
   * the user is unknown, so that answer takes as long as a wrong password.
   */
  verifyDummy(password: string): Promise<false>;
}

const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

/** bcrypt at `cost` rounds; verifies `$2a$`, `$2b$` and `$2y$` hashes of any cost. */
export function createBcryptHasher(cost = 10): PasswordHasher {
  const dummyHash = bcrypt.hashSync(randomBytes(16).toString('hex'), cost);
  return {
    hash: (password) => bcrypt.hash(password, cost),
    async verify(password, hash) {
      if (!BCRYPT_HASH.test(hash)) return false;
      return bcrypt.compare(password, hash);
    },
    async verifyDummy(password) {
      await bcrypt.compare(password, dummyHash);
      return false;
    },
  };
}
