import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
