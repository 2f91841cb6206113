import { MFA_TABLE as MFA, mfaRow, toMfaRecord } from '../mfa-record.js';
import { trackedTable } from './tracked.js';
import { BackendError, type MfaStore } from '../types.js';

type Request = (operation: string, document: string, variables: Record<string, unknown>) => Promise<Record<string, unknown>>;

const FIELDS = 'user_id tenant_id totp_secret totp_confirmed_at totp_last_step recovery_codes version';
const QUERIES = {
  probe: `query AuthuraMfaProbe { ${MFA} (limit: 0) { user_id } }`,
  read: `query AuthuraReadMfa($id: String!) { ${MFA}_by_pk(user_id: $id) { ${FIELDS} } }`,
  // `on_conflict` with nothing to update: Hasura answers null when the row exists.
  insert: `mutation AuthuraInsertMfa($object: ${MFA}_insert_input!) { insert_${MFA}_one(object: $object, on_conflict: { constraint: ${MFA}_pkey, update_columns: [] }) { user_id } }`,
  update: `mutation AuthuraUpdateMfa($where: ${MFA}_bool_exp!, $set: ${MFA}_set_input!) { update_${MFA}(where: $where, _set: $set) { affected_rows } }`,
};

/**
 * The MFA table through Hasura's API (README: hasura — track `authura_mfa`): read by primary key
 * (and tenant), insert-if-absent, and an update conditional on the version, as every backend's.
 */
export function hasuraMfa(request: Request): { store: MfaStore; tracked(): Promise<boolean> } {
  return {
    // Asked once, remembered (asked again after a failure); an untracked table fails validation.
    tracked: trackedTable(request, QUERIES.probe),
    store: {
      async read(userId, tenantId) {
        const data = await request('read mfa', QUERIES.read, { id: String(userId) });
        const row = data[`${MFA}_by_pk`] ?? null;
        if (row === null) return null;
        const record = toMfaRecord(row, 'Hasura');
        return record.tenantId === tenantId ? record : null;
      },
      async write(record, expectedVersion) {
        const row = mfaRow(record);
        if (expectedVersion === null) {
          const data = await request('write mfa', QUERIES.insert, { object: row });
          return (data[`insert_${MFA}_one`] ?? null) !== null;
        }
        const { user_id, tenant_id, ...set } = row;
        const where = { user_id: { _eq: user_id }, tenant_id: tenant_id === null ? { _is_null: true } : { _eq: tenant_id }, version: { _eq: expectedVersion } };
        const data = await request('write mfa', QUERIES.update, { where, set });
        const affected = (data[`update_${MFA}`] as { affected_rows?: unknown } | null | undefined)?.affected_rows;
        if (typeof affected !== 'number') throw new BackendError('bad_response', 'Hasura returned no result for the MFA update');
        return affected === 1;
      },
    },
  };
}
