/**
 * The password hash formats a users table may already hold, read from the stored value itself,
 * with work limits checked before any of it runs (a row beyond them would hold a hashing thread —
 * or, memory-hard, a lot of memory — for as long as its author wished).
 */

/** FIREBASE_SCRYPT_*: a Firebase project's password hash parameters (base64 as the console shows them). */
export interface FirebaseScryptParams {
  readonly signerKey: string;
  readonly saltSeparator: string;
  readonly rounds: number;
  readonly memCost: number;
}

/** What a hashing thread runs to check a password against a stored value (see hash-worker.js). */
export type VerifyJob =
  | { readonly scheme: 'bcrypt'; readonly hash: string }
  | { readonly scheme: 'argon2'; readonly hash: string }
  | { readonly scheme: 'scrypt'; readonly salt: string; readonly expected: string; readonly n: number; readonly r: number; readonly p: number }
  | { readonly scheme: 'pbkdf2-sha256'; readonly salt: string; readonly expected: string; readonly iterations: number }
  | {
      readonly scheme: 'firebase-scrypt';
      readonly salt: string;
      readonly expected: string;
      readonly signerKey: string;
      readonly saltSeparator: string;
      readonly n: number;
      readonly r: number;
    };

/** A stored value the gateway can check, and how much that costs. */
interface KnownHash {
  readonly job: VerifyJob;
  /** Argon2 and scrypt: memory-hard, run under a cap of their own. */
  readonly memoryHard: boolean;
  /** A bcrypt hash, and its cost (a login rehashes any other format, and a weaker bcrypt). */
  readonly bcryptCost?: number;
}

/** Why a stored value is not checked; a dummy comparison runs instead, and the operator is told. */
export type Unusable = 'not_recognised' | 'beyond_limits' | 'not_configured' | 'not_set';

/**
 * A stored value that says "no password" (Django's convention for unusable passwords: `!` then
 * anything): users imported without one. It never matches, costs a dummy comparison, and is no
 * reason for a warning: a reset sets a password.
 */
export const NO_PASSWORD_PREFIX = '!';

/** The work limits: high enough for every real default, low enough that no row can stall the pool. */
const LIMITS = {
  bcryptCost: 15,
  /** Django 5's default is 1,000,000–1,200,000. */
  pbkdf2Iterations: 2_000_000,
  /** KiB: 256 MiB. */
  argon2Memory: 262_144,
  argon2Time: 10,
  argon2Parallelism: 16,
  scryptLogN: 17,
  scryptR: 32,
  scryptP: 16,
  /** 128 · N · r bytes: what scrypt itself allocates. */
  scryptMemoryBytes: 256 * 1024 * 1024,
} as const;

const BCRYPT = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;
const ARGON2 = /^\$argon2(id|i)\$(?:v=(\d+)\$)?m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;
/** PHC scrypt (`$scrypt$ln=…,r=…,p=…$salt$hash`), standard or passlib's adapted base64 (`.` for `+`). */
const SCRYPT = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+./]+={0,2})\$([A-Za-z0-9+./]+={0,2})$/;
/** Django: `pbkdf2_sha256$<iterations>$<salt text>$<base64>`. */
const DJANGO_PBKDF2 = /^pbkdf2_sha256\$(\d+)\$([^$]+)\$([A-Za-z0-9+/]+={0,2})$/;
/** PHC / passlib: `$pbkdf2-sha256$<rounds>$<salt>$<hash>` or `$pbkdf2-sha256$i=<rounds>[,l=…]$…` (adapted base64). */
const PHC_PBKDF2 = /^\$pbkdf2-sha256\$(?:i=)?(\d+)(?:,l=\d+)?\$([A-Za-z0-9+./]*={0,2})\$([A-Za-z0-9+./]+={0,2})$/;
const FIREBASE = /^\$firebase-scrypt\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

/** Base64 as PHC and passlib write it (no padding; passlib's `.` for `+`), as standard base64. */
const standardBase64 = (text: string) => text.replace(/\./g, '+').replace(/=+$/, '');

/** Reads a stored value: the job that checks a password against it, or why it cannot be checked. */
export function readStoredHash(stored: string, firebase: FirebaseScryptParams | undefined): KnownHash | Unusable {
  if (stored.startsWith(NO_PASSWORD_PREFIX)) return 'not_set';
  let m = BCRYPT.exec(stored);
  if (m) {
    const cost = Number(m[1]);
    return cost > LIMITS.bcryptCost ? 'beyond_limits' : { job: { scheme: 'bcrypt', hash: stored }, memoryHard: false, bcryptCost: cost };
  }
  m = ARGON2.exec(stored);
  if (m) {
    const [memory, time, parallelism] = [Number(m[3]), Number(m[4]), Number(m[5])];
    if (memory > LIMITS.argon2Memory || time > LIMITS.argon2Time || parallelism > LIMITS.argon2Parallelism) return 'beyond_limits';
    return { job: { scheme: 'argon2', hash: stored }, memoryHard: true };
  }
  m = SCRYPT.exec(stored);
  if (m) {
    const [logN, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (logN < 1 || logN > LIMITS.scryptLogN || r < 1 || r > LIMITS.scryptR || p < 1 || p > LIMITS.scryptP || 128 * 2 ** logN * r > LIMITS.scryptMemoryBytes) return 'beyond_limits';
    return { job: { scheme: 'scrypt', salt: standardBase64(m[4] as string), expected: standardBase64(m[5] as string), n: 2 ** logN, r, p }, memoryHard: true };
  }
  m = DJANGO_PBKDF2.exec(stored);
  if (m) {
    const iterations = Number(m[1]);
    if (iterations < 1 || iterations > LIMITS.pbkdf2Iterations) return 'beyond_limits';
    // Django's salt is text, used as its UTF-8 bytes.
    return { job: { scheme: 'pbkdf2-sha256', salt: Buffer.from(m[2] as string, 'utf8').toString('base64'), expected: m[3] as string, iterations }, memoryHard: false };
  }
  m = PHC_PBKDF2.exec(stored);
  if (m) {
    const iterations = Number(m[1]);
    if (iterations < 1 || iterations > LIMITS.pbkdf2Iterations) return 'beyond_limits';
    return { job: { scheme: 'pbkdf2-sha256', salt: standardBase64(m[2] as string), expected: standardBase64(m[3] as string), iterations }, memoryHard: false };
  }
  m = FIREBASE.exec(stored);
  if (m) {
    if (firebase === undefined) return 'not_configured';
    if (firebase.memCost > LIMITS.scryptLogN || firebase.rounds > LIMITS.scryptR || 128 * 2 ** firebase.memCost * firebase.rounds > LIMITS.scryptMemoryBytes) return 'beyond_limits';
    return {
      job: { scheme: 'firebase-scrypt', salt: m[1] as string, expected: m[2] as string, signerKey: firebase.signerKey, saltSeparator: firebase.saltSeparator, n: 2 ** firebase.memCost, r: firebase.rounds },
      memoryHard: true,
    };
  }
  return 'not_recognised';
}
