import type Database from 'better-sqlite3';
import { PASSKEY_COLUMNS, passkeyRow, toPasskeyRecord } from '../passkey-record.js';
import type { PasskeyRecord } from '../types.js';

/** The passkeys table's statements (synchronous: the backend wraps them). */
export function sqlitePasskeys(db: Database.Database, table: string) {
  const columns = PASSKEY_COLUMNS.map((c) => `"${c}"`).join(', ');
  const byUser = db.prepare(`SELECT ${columns} FROM ${table} WHERE "user_id" = ? AND "tenant_id" IS ? ORDER BY "created_at", "id"`);
  const byId = db.prepare(`SELECT ${columns} FROM ${table} WHERE "id" = ?`);
  const insert = db.prepare(`INSERT INTO ${table} (${columns}) VALUES (${PASSKEY_COLUMNS.map((c) => `@${c}`).join(', ')}) ON CONFLICT ("id") DO NOTHING`);
  const update = db.prepare(
    `UPDATE ${table} SET "counter" = @counter, "backed_up" = @backed_up, "name" = @name, "last_used_at" = @last_used_at, "version" = @version ` +
      `WHERE "id" = @id AND "user_id" = @user_id AND "tenant_id" IS @tenant_id AND "version" = @expected`,
  );
  const remove = db.prepare(`DELETE FROM ${table} WHERE "id" = ? AND "user_id" = ? AND "tenant_id" IS ?`);
  const record = (row: unknown) => toPasskeyRecord(row, 'SQLite');
  return {
    list: (userId: string, tenantId: string | null): PasskeyRecord[] => byUser.all(userId, tenantId).map(record),
    find: (id: string): PasskeyRecord | null => {
      const row = byId.get(id);
      return row === undefined ? null : record(row);
    },
    create: (passkey: PasskeyRecord): boolean => insert.run(passkeyRow(passkey)).changes === 1,
    update: (passkey: PasskeyRecord, expectedVersion: number): boolean => update.run({ ...passkeyRow(passkey), expected: expectedVersion }).changes === 1,
    remove: (id: string, userId: string, tenantId: string | null): boolean => remove.run(id, userId, tenantId).changes === 1,
  };
}
