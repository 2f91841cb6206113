import type { Config } from '../config/load-config.js';
import { createSqliteBackend } from './sqlite/sqlite-backend.js';
import type { UserBackend } from './types.js';

/** The backend AUTH_BACKEND names. */
export function createBackend(config: Config['backend']): UserBackend {
  switch (config.kind) {
    case 'sqlite':
      return createSqliteBackend({ path: config.sqlitePath, timeoutMs: config.timeoutMs });
    default:
      // loadConfig refuses the other kinds until they ship.
      throw new Error(`AUTH_BACKEND=${config.kind} is not available in this release`);
  }
}
