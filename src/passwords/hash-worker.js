// A hashing thread: every password hash the gateway makes or checks is computed here, with
// synchronous implementations (bcryptjs, @node-rs/argon2's verifySync, node:crypto's scryptSync
// and pbkdf2Sync), so this thread does nothing else and neither the main thread's event loop nor
// libuv's pool (which WebCrypto's token signatures share) waits on it. Plain JavaScript, so the
// same file runs from src/ (tests) and dist/ (copied by tsc, allowJs). Messages: HashJob /
// HashResult in worker-pool.ts; the stored formats: formats.ts.
import { verifySync as argon2Verify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import { createCipheriv, pbkdf2Sync, scryptSync, timingSafeEqual } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

/** Enough for the largest scrypt the limits allow (128 · N · r = 256 MiB), and a little. */
const SCRYPT_MAXMEM = 320 * 1024 * 1024;

const same = (a, b) => a.length === b.length && timingSafeEqual(a, b);

/** Checks `password` against a stored value (see VerifyJob in formats.ts). */
function verify(password, job) {
  const secret = Buffer.from(password, 'utf8');
  switch (job.scheme) {
    case 'bcrypt':
      return bcrypt.compareSync(password, job.hash);
    case 'argon2':
      return argon2Verify(job.hash, password);
    case 'scrypt': {
      const expected = Buffer.from(job.expected, 'base64');
      const derived = scryptSync(secret, Buffer.from(job.salt, 'base64'), expected.length, { N: job.n, r: job.r, p: job.p, maxmem: SCRYPT_MAXMEM });
      return same(derived, expected);
    }
    case 'pbkdf2-sha256': {
      const expected = Buffer.from(job.expected, 'base64');
      return same(pbkdf2Sync(secret, Buffer.from(job.salt, 'base64'), job.iterations, expected.length, 'sha256'), expected);
    }
    case 'firebase-scrypt': {
      // Firebase's scrypt: a key derived from the password and salt (with the project's salt
      // separator) encrypts the project's signer key with AES-256-CTR; the result is the hash.
      const salt = Buffer.concat([Buffer.from(job.salt, 'base64'), Buffer.from(job.saltSeparator, 'base64')]);
      const key = scryptSync(secret, salt, 32, { N: job.n, r: job.r, p: 1, maxmem: SCRYPT_MAXMEM });
      const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
      const derived = Buffer.concat([cipher.update(Buffer.from(job.signerKey, 'base64')), cipher.final()]);
      return same(derived, Buffer.from(job.expected, 'base64'));
    }
    default:
      throw new Error(`unknown scheme ${job.scheme}`);
  }
}

parentPort?.on('message', (job) => {
  try {
    const value = job.op === 'hash' ? bcrypt.hashSync(job.password, job.cost) : job.op === 'compare' ? bcrypt.compareSync(job.password, job.hash) : verify(job.password, job.stored);
    parentPort?.postMessage({ id: job.id, value });
  } catch (error) {
    parentPort?.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) });
  }
});
