import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeBackendConformance } from './conformance.js';

describeBackendConformance(
  'sqlite',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authura-sqlite-'));
    const path = join(dir, 'users.db');
    return {
      env: { AUTH_BACKEND: 'sqlite', SQLITE_DB_PATH: path },
      atomicWithoutTenant: true,
      idType: 'number',
      async slow() {
        // Another connection holds the write lock past the timeout.
        const other = new Database(path);
        other.exec('BEGIN IMMEDIATE');
        return async () => {
          other.exec('ROLLBACK');
          other.close();
        };
      },
      async malformed(user) {
        const db = new Database(path);
        db.prepare("UPDATE users SET verified_at = 'not a timestamp' WHERE id = ?").run(user.id);
        return async () => {
          db.prepare('UPDATE users SET verified_at = ? WHERE id = ?').run(user.verified_at, user.id);
          db.close();
        };
      },
      async close() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  { hasServer: false },
);

describe('sqlite backend start', () => {
  it('processes starting together on a new file all come up (the table is created once, under the write lock)', async () => {
    const { Worker } = await import('node:worker_threads');
    // Threads released at the same instant, each opening the backend as a gateway process does.
    const code = `
      const { workerData, parentPort } = require('node:worker_threads');
      (async () => {
        const { tsImport } = await import('tsx/esm/api');
        const { createSqliteBackend } = await tsImport(workerData.module, workerData.module);
        parentPort.postMessage('loaded');
        Atomics.wait(workerData.gate, 0, 0);
        try {
          createSqliteBackend({ path: workerData.path, timeoutMs: 5000 }).close();
          parentPort.postMessage('ok');
        } catch (error) {
          parentPort.postMessage('failed: ' + error.message);
        }
      })();`;
    const dir = mkdtempSync(join(tmpdir(), 'authura-sqlite-race-'));
    const module = new URL('../../src/backends/sqlite/sqlite-backend.ts', import.meta.url).href;
    try {
      for (let round = 0; round < 10; round++) {
        const gate = new Int32Array(new SharedArrayBuffer(4));
        const workers = Array.from({ length: 4 }, () => new Worker(code, { eval: true, workerData: { gate, path: join(dir, `r${round}.db`), module } }));
        const answers = workers.map((w) => ({
          loaded: new Promise<void>((resolve) =>
            w.on('message', (m: string) => {
              if (m === 'loaded') resolve();
            }),
          ),
          done: new Promise<string>((resolve) =>
            w.on('message', (m: string) => {
              if (m !== 'loaded') resolve(m);
            }),
          ),
        }));
        await Promise.all(answers.map((a) => a.loaded));
        Atomics.store(gate, 0, 1);
        Atomics.notify(gate, 0);
        expect((await Promise.all(answers.map((a) => a.done))).join(' / '), `round ${round}`).toBe('ok / ok / ok / ok');
        await Promise.all(workers.map((w) => w.terminate()));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
