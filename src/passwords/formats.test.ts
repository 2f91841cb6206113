import { afterAll, describe, expect, it } from 'vitest';
import { createHasher } from './hasher.js';
import { createHashPool } from './worker-pool.js';

const pool = createHashPool({ size: 2, queueLimit: 64 });
afterAll(() => pool.close());

const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
const unpadded = (text: string) => text.replace(/=+$/, '');

/** Firebase's published example project (github.com/firebase/scrypt, README). */
const FIREBASE = {
  signerKey: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
  saltSeparator: 'Bw==',
  rounds: 8,
  memCost: 14,
};

/**
 * Known answers from each algorithm's reference: the argon2 reference implementation's README
 * (phc-winner-argon2), RFC 7914's scrypt and PBKDF2-HMAC-SHA256 vectors, Firebase's scrypt
 * README. Hashes made by the reference tools (python3-argon2, passlib) are checked through the
 * gateway on every backend in test:system.
 */
const VECTORS: Array<[string, string, string]> = [
  ['argon2i (reference README)', 'password', '$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG'],
  [
    'scrypt, RFC 7914 §12 (N=1024, r=8, p=16)',
    'password',
    `$scrypt$ln=10,r=8,p=16$${unpadded(Buffer.from('NaCl').toString('base64'))}$${unpadded(b64('fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640'))}`,
  ],
  [
    'PBKDF2-HMAC-SHA256, RFC 7914 §11 (c=1), in Django\'s format',
    'passwd',
    `pbkdf2_sha256$1$salt$${b64('55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783')}`,
  ],
  [
    'PBKDF2-HMAC-SHA256, RFC 7914 §11 (c=80000), in passlib\'s format',
    'Password',
    `$pbkdf2-sha256$80000$${unpadded(Buffer.from('NaCl').toString('base64'))}$${unpadded(b64('4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d')).replace(/\+/g, '.')}`,
  ],
  ['Firebase scrypt (README example)', 'user1password', '$firebase-scrypt$42xEC+ixf3L2lw==$lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ=='],
];

describe('password hashes in the formats users tables hold', () => {
  it.each(VECTORS)('%s: the right password matches (and asks for a bcrypt rehash), a wrong one does not', async (_, password, stored) => {
    const hasher = await createHasher(pool, { cost: 4, firebase: FIREBASE, memoryHardConcurrency: 2, queueLimit: 16 });
    expect(await hasher.verify(password, stored)).toEqual({ matches: true, rehash: true });
    expect(await hasher.verify(`${password}x`, stored)).toEqual({ matches: false, rehash: false });
  });

  it('a password longer than bcrypt can hold keeps its foreign hash (no rehash)', async () => {
    const hasher = await createHasher(pool, { cost: 4, memoryHardConcurrency: 1, queueLimit: 16 });
    const long = 'L'.repeat(80);
    const { pbkdf2Sync } = await import('node:crypto');
    const stored = `pbkdf2_sha256$1000$pepper$${pbkdf2Sync(long, 'pepper', 1000, 32, 'sha256').toString('base64')}`;
    expect(await hasher.verify(long, stored)).toEqual({ matches: true, rehash: false });
  });

  it('parameters beyond the limits, an unknown format, Firebase without its parameters: refused, one dummy comparison each', async () => {
    const jobs: string[] = [];
    const counting = {
      ...pool,
      run: (job: Parameters<typeof pool.run>[0]) => {
        jobs.push(job.op);
        return pool.run(job);
      },
    };
    const hasher = await createHasher(counting, { cost: 4, memoryHardConcurrency: 1, queueLimit: 16 });
    jobs.length = 0;
    const refused: Array<[string, string]> = [
      ['$argon2id$v=19$m=1048576,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG', 'beyond_limits'], // 1 GiB
      ['$argon2id$v=19$m=65536,t=50,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG', 'beyond_limits'],
      ['$scrypt$ln=20,r=8,p=1$c2FsdA$aGFzaA', 'beyond_limits'], // N = 2^20: 1 GiB
      ['pbkdf2_sha256$50000000$salt$aGFzaA==', 'beyond_limits'],
      ['$2b$16$abcdefghijklmnopqrstuu5Wk0n6I1GQ7O1TR2QeMnKBFJXb3cVpe', 'beyond_limits'],
      ['$firebase-scrypt$42xEC+ixf3L2lw==$aGFzaA==', 'not_configured'],
      ['{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=', 'not_recognised'],
      ['plain-text', 'not_recognised'],
    ];
    for (const [stored, reason] of refused) expect(await hasher.verify('password', stored), stored).toEqual({ matches: false, rehash: false, unusable: reason });
    expect(jobs).toEqual(Array(refused.length).fill('compare')); // the dummy bcrypt comparison, never the hash's own work
  });

  it('memory-hard checks run at most `memoryHardConcurrency` at once; the others wait their turn', async () => {
    let running = 0;
    let most = 0;
    const watching = {
      ...pool,
      async run(job: Parameters<typeof pool.run>[0]) {
        if (job.op !== 'verify') return pool.run(job);
        running += 1;
        most = Math.max(most, running);
        try {
          return await pool.run(job);
        } finally {
          running -= 1;
        }
      },
    };
    const hasher = await createHasher(watching, { cost: 4, memoryHardConcurrency: 1, queueLimit: 16 });
    const stored = VECTORS[0]?.[2] as string;
    const results = await Promise.all(Array.from({ length: 4 }, () => hasher.verify('password', stored)));
    expect(results.every((r) => r.matches)).toBe(true);
    expect(most).toBe(1);
  });

  it('past the queue limit a memory-hard check is 503 overloaded, and the queue drains in order', async () => {
    const hasher = await createHasher(pool, { cost: 4, memoryHardConcurrency: 1, queueLimit: 1 });
    const stored = VECTORS[0]?.[2] as string;
    const settled = await Promise.allSettled([1, 2, 3].map(() => hasher.verify('password', stored)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((settled[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'overloaded' });
    expect(await hasher.verify('password', stored)).toMatchObject({ matches: true });
  });
});
