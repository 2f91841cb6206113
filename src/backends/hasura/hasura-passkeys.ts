import { PASSKEY_COLUMNS, PASSKEYS_TABLE as T, passkeyRow, toPasskeyRecord } from '../passkey-record.js';
import { trackedTable } from './tracked.js';
import { BackendError, type PasskeyStore } from '../types.js';

type Request = (operation: string, document: string, variables: Record<string, unknown>) => Promise<Record<string, unknown>>;

const FIELDS = PASSKEY_COLUMNS.join(' ');
const QUERIES = {
  probe: `query AuthuraPasskeysProbe { ${T} (limit: 0) { id } }`,
  list: `query AuthuraListPasskeys($where: ${T}_bool_exp!) { ${T}(where: $where, order_by: [{ created_at: asc }, { id: asc }]) { ${FIELDS} } }`,
  find: `query AuthuraFindPasskey($id: String!) { ${T}_by_pk(id: $id) { ${FIELDS} } }`,
  insert: `mutation AuthuraCreatePasskey($object: ${T}_insert_input!) { insert_${T}_one(object: $object, on_conflict: { constraint: ${T}_pkey, update_columns: [] }) { id } }`,
  update: `mutation AuthuraUpdatePasskey($where: ${T}_bool_exp!, $set: ${T}_set_input!) { update_${T}(where: $where, _set: $set) { affected_rows } }`,
  remove: `mutation AuthuraRemovePasskey($where: ${T}_bool_exp!) { delete_${T}(where: $where) { affected_rows } }`,
};

const owner = (userId: string, tenantId: string | null) => ({ user_id: { _eq: userId }, tenant_id: tenantId === null ? { _is_null: true } : { _eq: tenantId } });

/** The passkeys table through Hasura's API (README: hasura — track `authura_passkeys`). */
export function hasuraPasskeys(request: Request): { store: PasskeyStore; tracked(): Promise<boolean> } {
  const affected = (data: Record<string, unknown>, field: string) => {
    const count = (data[field] as { affected_rows?: unknown } | null | undefined)?.affected_rows;
    if (typeof count !== 'number') throw new BackendError('bad_response', 'Hasura returned no result for the passkey write');
    return count === 1;
  };
  return {
    tracked: trackedTable(request, QUERIES.probe),
    store: {
      async list(userId, tenantId) {
        const data = await request('list passkeys', QUERIES.list, { where: owner(String(userId), tenantId) });
        const rows = data[T];
        if (!Array.isArray(rows)) throw new BackendError('bad_response', 'Hasura returned no passkeys list');
        return rows.map((row) => toPasskeyRecord(row, 'Hasura'));
      },
      async find(id) {
        const row = (await request('find passkey', QUERIES.find, { id }))[`${T}_by_pk`] ?? null;
        return row === null ? null : toPasskeyRecord(row, 'Hasura');
      },
      async create(passkey) {
        const data = await request('create passkey', QUERIES.insert, { object: passkeyRow(passkey) });
        return (data[`insert_${T}_one`] ?? null) !== null;
      },
      async update(passkey, expectedVersion) {
        const { id, user_id, tenant_id, counter, backed_up, name, last_used_at, version } = passkeyRow(passkey);
        const where = { id: { _eq: id }, ...owner(user_id, tenant_id), version: { _eq: expectedVersion } };
        return affected(await request('update passkey', QUERIES.update, { where, set: { counter, backed_up, name, last_used_at, version } }), `update_${T}`);
      },
      async remove(id, userId, tenantId) {
        return affected(await request('remove passkey', QUERIES.remove, { where: { id: { _eq: id }, ...owner(String(userId), tenantId) } }), `delete_${T}`);
      },
    },
  };
}
