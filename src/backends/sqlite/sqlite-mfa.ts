import type Database from 'better-sqlite3';
import { mfaRow, toMfaRecord } from '../mfa-record.js';
import type { MfaRecord } from '../types.js';

/** The MFA table's statements (synchronous: the backend wraps them). */
export function sqliteMfaStore(db: Database.Database, table: string) {
  const columns = '"user_id", "tenant_id", "totp_secret", "totp_confirmed_at", "totp_last_step", "recovery_codes", "version"';
  const get = db.prepare(`SELECT ${columns} FROM ${table} WHERE "user_id" = ? AND "tenant_id" IS ?`);
  const insert = db.prepare(
    `INSERT INTO ${table} (${columns}) VALUES (@user_id, @tenant_id, @totp_secret, @totp_confirmed_at, @totp_last_step, @recovery_codes, @version) ON CONFLICT ("user_id") DO NOTHING`,
  );
  const update = db.prepare(
    `UPDATE ${table} SET "totp_secret" = @totp_secret, "totp_confirmed_at" = @totp_confirmed_at, "totp_last_step" = @totp_last_step, ` +
      `"recovery_codes" = @recovery_codes, "version" = @version WHERE "user_id" = @user_id AND "tenant_id" IS @tenant_id AND "version" = @expected`,
  );
  return {
    read: (userId: string, tenantId: string | null): MfaRecord | null => {
      const found = get.get(userId, tenantId);
      return found === undefined ? null : toMfaRecord(found, 'SQLite');
    },
    write: (record: MfaRecord, expectedVersion: number | null): boolean =>
      (expectedVersion === null ? insert.run(mfaRow(record)) : update.run({ ...mfaRow(record), expected: expectedVersion })).changes === 1,
  };
}

