import type Database from 'better-sqlite3';
import { BackendError, oneClaimsRow } from '../types.js';

/**
 * JWT_CLAIMS_QUERY on SQLite: `$1` (the user id) and `$2` (the tenant id) bound by name, a
 * statement SQLite itself reports as read-only and returning rows — else the start is refused —
 * and run once now for an id no user has (a query that fails, fails the start).
 */
export function sqliteClaimsQuery(db: Database.Database, query: string): (userId: number | string, tenantId: string | null) => Record<string, unknown> | null {
  let statement: Database.Statement;
  try {
    statement = db.prepare(query.replace(/\$1(?!\d)/g, '$user_id').replace(/\$2(?!\d)/g, '$tenant_id'));
  } catch (error) {
    throw new BackendError('refused', `JWT_CLAIMS_QUERY: SQLite refused it: ${(error as Error).message}`);
  }
  if (!statement.reader || !statement.readonly) throw new BackendError('refused', 'JWT_CLAIMS_QUERY must be one SELECT that only reads (SQLite reports it writes or returns nothing)');
  const names = new Set(statement.columns().map((c) => c.name));
  const bind = (userId: number | string, tenantId: string | null) => ({ ...(query.includes('$1') ? { user_id: userId } : {}), ...(query.includes('$2') ? { tenant_id: tenantId } : {}) });
  try {
    statement.all(bind(-1, null));
  } catch (error) {
    throw new BackendError('refused', `JWT_CLAIMS_QUERY fails on SQLite: ${(error as Error).message}`);
  }
  if (names.size === 0) throw new BackendError('refused', 'JWT_CLAIMS_QUERY returns no columns');
  return (userId, tenantId) => oneClaimsRow(statement.all(bind(userId, tenantId)) as Record<string, unknown>[], 'SQLite');
}
