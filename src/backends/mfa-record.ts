import { stringList, wholeNumber } from './row.js';
import { quoteIdentifier, splitTableName } from './sql.js';
import { BackendError, type MfaRecord } from './types.js';

export const MFA_TABLE = 'authura_mfa';

/** Creates the MFA table (beside the users table, in its schema), if missing; both dialects. */
export function mfaTableSql(usersTable: string): string {
  const { schema } = splitTableName(usersTable);
  const table = quoteIdentifier(schema === undefined ? MFA_TABLE : `${schema}.${MFA_TABLE}`);
  return `CREATE TABLE IF NOT EXISTS ${table} (
  "user_id" TEXT NOT NULL PRIMARY KEY,
  "tenant_id" TEXT,
  "totp_secret" TEXT,
  "totp_confirmed_at" TEXT,
  "totp_last_step" BIGINT NOT NULL DEFAULT 0,
  "recovery_codes" TEXT NOT NULL DEFAULT '[]',
  "version" BIGINT NOT NULL DEFAULT 0
);
`;
}

/** The table's row for `record` (the recovery-code hashes as a JSON array). */
export function mfaRow(record: MfaRecord) {
  return {
    user_id: record.userId,
    tenant_id: record.tenantId,
    totp_secret: record.totpSecret,
    totp_confirmed_at: record.totpConfirmedAt,
    totp_last_step: record.totpLastStep,
    recovery_codes: JSON.stringify(record.recoveryCodes),
    version: record.version,
  };
}

/** A row of the table (or the HTTP service's answer) as a record; anything else is a bad_response. */
export function toMfaRecord(row: unknown, store: string): MfaRecord {
  const r = row as Record<string, unknown> | null;
  const bad = () => new BackendError('bad_response', `${store} returned a malformed MFA row`);
  if (r === null || typeof r !== 'object') throw bad();
  const text = (v: unknown) => v === null || typeof v === 'string';
  const lastStep = wholeNumber(r.totp_last_step);
  const version = wholeNumber(r.version);
  const codes = stringList(r.recovery_codes);
  if (typeof r.user_id !== 'string' || !text(r.tenant_id) || !text(r.totp_secret) || !text(r.totp_confirmed_at)) throw bad();
  if (lastStep === undefined || version === undefined || codes === undefined) throw bad();
  return {
    userId: r.user_id,
    tenantId: r.tenant_id as string | null,
    totpSecret: r.totp_secret as string | null,
    totpConfirmedAt: r.totp_confirmed_at as string | null,
    totpLastStep: lastStep,
    recoveryCodes: codes,
    version,
  };
}
