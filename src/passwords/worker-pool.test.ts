import bcrypt from 'bcryptjs';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.js';
import { createHasher } from './hasher.js';
import { createHashPool } from './worker-pool.js';

const pool = createHashPool({ size: 2, queueLimit: 16 });
afterAll(() => pool.close());

describe('the hashing pool', () => {
  it('hashes and verifies in worker threads; existing $2a$/$2b$/$2y$ hashes verify', async () => {
    const hasher = await createHasher(pool, { cost: 4, memoryHardConcurrency: 1, queueLimit: 16 });
    const hash = await hasher.hash('Correct-Horse-9');
    expect(hash).toMatch(/^\$2b\$04\$/);
    expect(await hasher.verify('Correct-Horse-9', hash)).toEqual({ matches: true, rehash: false });
    expect(await hasher.verify('Wrong-Horse-9', hash)).toEqual({ matches: false, rehash: false });
    const legacy = bcrypt.hashSync('Legacy-Pass-1', 5);
    for (const prefix of ['$2a$', '$2b$', '$2y$']) {
      expect(await hasher.verify('Legacy-Pass-1', legacy.replace(/^\$2b\$/, prefix)), prefix).toEqual({ matches: true, rehash: false });
    }
    expect(await hasher.verifyDummy('anything')).toBe(false);
  });

  it('a stored value that cannot be checked costs one dummy comparison at BCRYPT_COST, like a wrong password', async () => {
    const jobs: { op: string; hash?: string }[] = [];
    const counting = {
      ...pool,
      run: (job: Parameters<typeof pool.run>[0]) => {
        jobs.push(job);
        return pool.run(job);
      },
    };
    const hasher = await createHasher(counting, { cost: 5, memoryHardConcurrency: 1, queueLimit: 16 });
    const legacy = bcrypt.hashSync('Legacy-Pass-1', 4);
    expect(jobs.map((j) => j.op)).toEqual(['hash']); // the dummy hash, made once
    jobs.length = 0;
    expect(await hasher.verify('x', 'not a hash')).toEqual({ matches: false, rehash: false, unusable: 'not_recognised' });
    // Cost 16 and above would hold a thread for seconds to days: refused, and not run.
    for (const cost of ['16', '20', '31']) {
      expect(await hasher.verify('Legacy-Pass-1', legacy.replace(/^\$2b\$04\$/, `$2b$${cost}$`))).toEqual({ matches: false, rehash: false, unusable: 'beyond_limits' });
    }
    expect(await hasher.verify('Wrong-Pass-1', legacy)).toEqual({ matches: false, rehash: false });
    await hasher.verifyDummy('anything');
    // One comparison each, and every one but the real hash's against the dummy hash of cost 5.
    expect(jobs.map((j) => j.op)).toEqual(['compare', 'compare', 'compare', 'compare', 'compare', 'compare']);
    expect(jobs.filter((j) => j.hash?.startsWith('$2b$05$'))).toHaveLength(5);
  });

  it('a match against a hash weaker than BCRYPT_COST asks for a rehash; an equal or stronger one does not', async () => {
    const hasher = await createHasher(pool, { cost: 5, memoryHardConcurrency: 1, queueLimit: 16 });
    expect(await hasher.verify('Legacy-Pass-1', bcrypt.hashSync('Legacy-Pass-1', 4))).toEqual({ matches: true, rehash: true });
    expect(await hasher.verify('Wrong-Pass-1', bcrypt.hashSync('Legacy-Pass-1', 4))).toEqual({ matches: false, rehash: false });
    expect(await hasher.verify('Legacy-Pass-1', bcrypt.hashSync('Legacy-Pass-1', 5))).toEqual({ matches: true, rehash: false });
    expect(await hasher.verify('Legacy-Pass-1', bcrypt.hashSync('Legacy-Pass-1', 6))).toEqual({ matches: true, rehash: false });
  });

  it('passes a thread\'s error back to the caller, and keeps working', async () => {
    const hash = bcrypt.hashSync('x', 4);
    await expect(pool.run({ op: 'compare', password: 5 as unknown as string, hash })).rejects.toThrow(/bcrypt failed: Illegal arguments/);
    expect(await pool.run({ op: 'hash', password: 'x', cost: 4 })).toMatch(/^\$2b\$04\$/);
  });

  it('refuses work past the queue limit with a 503 AppError, and finishes the rest', async () => {
    const small = createHashPool({ size: 1, queueLimit: 2 });
    try {
      const results = await Promise.allSettled(Array.from({ length: 6 }, () => small.run({ op: 'hash', password: 'x', cost: 8 })));
      const refused = results.filter((r) => r.status === 'rejected');
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3); // 1 running + 2 queued
      expect(refused).toHaveLength(3);
      for (const r of refused) {
        const error = (r as PromiseRejectedResult).reason as AppError;
        expect(error).toBeInstanceOf(AppError);
        expect(error.status).toBe(503);
        expect(error.code).toBe('overloaded');
        expect(error.retryAfterSeconds).toBe(1);
      }
      expect(small.queued).toBe(0);
    } finally {
      await small.close();
    }
  });

  it('replaces a thread that dies: its job fails, the queued ones and later ones are served', async () => {
    const dying = createHashPool({ size: 1, queueLimit: 8, workerFile: new URL('../../test/helpers/dying-worker.mjs', import.meta.url) });
    try {
      const died = dying.run({ op: 'compare', password: 'die', hash: 'x' });
      const queued = [dying.run({ op: 'hash', password: 'a', cost: 4 }), dying.run({ op: 'compare', password: 'b', hash: 'x' })];
      await expect(died).rejects.toThrow('hashing thread exited with code 3');
      expect(await Promise.all(queued)).toEqual(['hashed:a', true]);
      // Twice more, to see the replacement is itself replaced.
      await expect(dying.run({ op: 'compare', password: 'die', hash: 'x' })).rejects.toThrow(/exited/);
      expect(await dying.run({ op: 'hash', password: 'c', cost: 4 })).toBe('hashed:c');
    } finally {
      await dying.close();
    }
  });

  it('rejects queued work when closed', async () => {
    const closing = createHashPool({ size: 1, queueLimit: 4 });
    const running = expect(closing.run({ op: 'hash', password: 'x', cost: 10 })).rejects.toThrow(/closed/);
    const queued = expect(closing.run({ op: 'hash', password: 'y', cost: 10 })).rejects.toThrow(/closed/);
    await closing.close();
    await Promise.all([running, queued]);
  });

  it('is the only way to hash: nothing in src/ but the worker (and tests) imports bcryptjs or argon2', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? files(path) : [path];
      });
    const importers = files('src').filter((path) => !path.endsWith('.test.ts') && /from '(bcryptjs|@node-rs\/argon2)'/.test(readFileSync(path, 'utf8')));
    expect(importers).toEqual([join('src', 'passwords', 'hash-worker.js')]);
  });
});
