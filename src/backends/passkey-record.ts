import { stringList, wholeNumber } from './row.js';
import { quoteIdentifier, splitTableName } from './sql.js';
import { BackendError, type PasskeyRecord } from './types.js';

export const PASSKEYS_TABLE = 'authura_passkeys';

/** Creates the passkeys table (beside the users table, in its schema), if missing; both dialects. */
export function passkeysTableSql(usersTable: string): string {
  const { schema } = splitTableName(usersTable);
  const name = schema === undefined ? PASSKEYS_TABLE : `${schema}.${PASSKEYS_TABLE}`;
  return `CREATE TABLE IF NOT EXISTS ${quoteIdentifier(name)} (
  "id" TEXT NOT NULL PRIMARY KEY,
  "user_id" TEXT NOT NULL,
  "tenant_id" TEXT,
  "public_key" TEXT NOT NULL,
  "counter" BIGINT NOT NULL DEFAULT 0,
  "transports" TEXT NOT NULL DEFAULT '[]',
  "backup_eligible" INTEGER NOT NULL DEFAULT 0,
  "backed_up" INTEGER NOT NULL DEFAULT 0,
  "name" TEXT NOT NULL,
  "created_at" TEXT NOT NULL,
  "last_used_at" TEXT,
  "version" BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS ${quoteIdentifier(`${PASSKEYS_TABLE}_user`)} ON ${quoteIdentifier(name)} ("user_id", "tenant_id");
`;
}

/** The columns, in the table's order. */
export const PASSKEY_COLUMNS = ['id', 'user_id', 'tenant_id', 'public_key', 'counter', 'transports', 'backup_eligible', 'backed_up', 'name', 'created_at', 'last_used_at', 'version'] as const;

/** The table's row for `record` (transports as a JSON array, flags as 0/1). */
export function passkeyRow(record: PasskeyRecord) {
  return {
    id: record.id,
    user_id: record.userId,
    tenant_id: record.tenantId,
    public_key: record.publicKey,
    counter: record.counter,
    transports: JSON.stringify(record.transports),
    backup_eligible: record.backupEligible ? 1 : 0,
    backed_up: record.backedUp ? 1 : 0,
    name: record.name,
    created_at: record.createdAt,
    last_used_at: record.lastUsedAt,
    version: record.version,
  };
}

/** A row (or the HTTP service's answer) as a record; anything else is a bad_response. */
export function toPasskeyRecord(row: unknown, store: string): PasskeyRecord {
  const r = row as Record<string, unknown> | null;
  const bad = () => new BackendError('bad_response', `${store} returned a malformed passkey row`);
  if (r === null || typeof r !== 'object') throw bad();
  const text = (v: unknown) => typeof v === 'string' && v !== '';
  const counter = wholeNumber(r.counter);
  const version = wholeNumber(r.version);
  const transports = stringList(r.transports);
  const flag = (v: unknown) => v === 0 || v === 1 || v === '0' || v === '1' || typeof v === 'boolean';
  if (![r.id, r.user_id, r.public_key, r.created_at].every(text) || typeof r.name !== 'string') throw bad();
  if (!(r.tenant_id === null || typeof r.tenant_id === 'string') || !(r.last_used_at === null || typeof r.last_used_at === 'string')) throw bad();
  if (counter === undefined || version === undefined || transports === undefined || !flag(r.backup_eligible) || !flag(r.backed_up)) throw bad();
  const truth = (v: unknown) => v === true || v === 1 || v === '1';
  return {
    id: r.id as string,
    userId: r.user_id as string,
    tenantId: r.tenant_id as string | null,
    publicKey: r.public_key as string,
    counter,
    transports,
    backupEligible: truth(r.backup_eligible),
    backedUp: truth(r.backed_up),
    name: r.name,
    createdAt: r.created_at as string,
    lastUsedAt: r.last_used_at as string | null,
    version,
  };
}
