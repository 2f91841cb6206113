import type postgres from 'postgres';
import { PASSKEY_COLUMNS, passkeyRow, toPasskeyRecord } from '../passkey-record.js';
import type { PasskeyStore } from '../types.js';

type Run = <T>(operation: string, work: () => Promise<T>) => Promise<T>;

/** The passkeys table on Postgres (created by `npm run migrate`); every write checks what it read. */
export function postgresPasskeys(sql: postgres.Sql, table: string, run: Run): PasskeyStore {
  const t = sql(table);
  const columns = sql.unsafe(PASSKEY_COLUMNS.map((c) => (c === 'counter' || c === 'version' ? `"${c}"::text AS "${c}"` : `"${c}"`)).join(', '));
  const record = (row: unknown) => toPasskeyRecord(row, 'Postgres');
  return {
    list: (userId, tenantId) =>
      run('list passkeys', async () => {
        const rows = await sql`SELECT ${columns} FROM ${t} WHERE user_id = ${String(userId)} AND tenant_id IS NOT DISTINCT FROM ${tenantId} ORDER BY created_at, id`;
        return rows.map(record);
      }),
    find: (id) =>
      run('find passkey', async () => {
        const [row] = await sql`SELECT ${columns} FROM ${t} WHERE id = ${id}`;
        return row === undefined ? null : record(row);
      }),
    create: (passkey) =>
      run('create passkey', async () => (await sql`INSERT INTO ${t} ${sql(passkeyRow(passkey))} ON CONFLICT (id) DO NOTHING RETURNING id`).length === 1),
    update: (passkey, expectedVersion) =>
      run('update passkey', async () => {
        const { id, user_id, tenant_id, counter, backed_up, name, last_used_at, version } = passkeyRow(passkey);
        const set = { counter, backed_up, name, last_used_at, version };
        const rows = await sql`UPDATE ${t} SET ${sql(set)} WHERE id = ${id} AND user_id = ${user_id} AND tenant_id IS NOT DISTINCT FROM ${tenant_id} AND version = ${expectedVersion} RETURNING id`;
        return rows.length === 1;
      }),
    remove: (id, userId, tenantId) =>
      run('remove passkey', async () => (await sql`DELETE FROM ${t} WHERE id = ${id} AND user_id = ${String(userId)} AND tenant_id IS NOT DISTINCT FROM ${tenantId} RETURNING id`).length === 1),
  };
}
