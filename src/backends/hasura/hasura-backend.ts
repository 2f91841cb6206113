import { ClientError, GraphQLClient } from 'graphql-request';
import { OutboundError, send } from '../../core/outbound.js';
import { fromColumns, mappedFields, toColumns, type ColumnMap } from '../columns.js';
import { SPENT_LINKS_TABLE as SPENT } from '../sql.js';
import { claimsOf, claimsSelection, parseClaimsMap } from './hasura-claims.js';
import { hasuraMfa } from './hasura-mfa.js';
import { hasuraPasskeys } from './hasura-passkeys.js';
import { trackedTable } from './tracked.js';
import { toStoredUser } from '../row.js';
import { checkColumns } from '../schema-check.js';
import { ambiguousEmail, BackendError, type EmailLookup, EXPECTABLE, likePrefix, type NewUser, type StoredUser, type UserBackend, type UserExpectation, type UserId, type UserPatch } from '../types.js';

interface HasuraBackendOptions {
  /** The GraphQL endpoint, e.g. `http://localhost:8080/v1/graphql`. */
  readonly url: string;
  readonly adminSecret: string | undefined;
  readonly timeoutMs: number;
  /** The tracked table's root field name (`users`: `users`, `users_by_pk`, `insert_users_one`, …). */
  readonly table: string;
  /** With `session_version` when SESSION_VERSION_COLUMN names the field. */
  readonly columns: ColumnMap;
  /** GraphQL type of the primary key: `Int` for SERIAL, `uuid` for UUIDs, … */
  readonly idType: string;
  /** EMAIL_LOOKUP (default `exact`); `insensitive` asks with `_ilike` and checks what comes back. */
  readonly emailLookup?: EmailLookup;
  /** JWT_CLAIMS_MAP: claims from paths in the user's relationships, fetched in one query. */
  readonly claimsMap?: string | undefined;
}

/** The Hasura backend: Hasura's generated GraphQL API over the users table, as admin. */
export function createHasuraBackend(options: HasuraBackendOptions): UserBackend {
  const { table: t, columns: c, idType } = options;
  const insensitive = options.emailLookup === 'insensitive';
  const headers: Record<string, string> = {};
  if (options.adminSecret !== undefined) headers['x-hasura-admin-secret'] = options.adminSecret;
  const client = new GraphQLClient(options.url, {
    headers,
    // Through the gateway's one outbound helper: a deadline, no redirects, a typed failure.
    fetch: async (input: string | URL | Request, init?: RequestInit) => {
      const answer = await send(String(input), {
        method: 'POST',
        headers: Object.fromEntries(new Headers(init?.headers)),
        body: init?.body as string,
        timeoutMs: options.timeoutMs,
      });
      return new Response(answer.text, { status: answer.status, headers: answer.headers });
    },
  });
  const fields = mappedFields(c).map((f) => c[f]).join(' ');
  const sessionVersion = c.session_version !== undefined;
  const tenantWhere = (tenantId: string | null) => (tenantId === null ? { _is_null: true } : { _eq: tenantId });
  const integerId = idType === 'Int' || idType === 'bigint';

  const queries = {
    byWhere: `query AuthuraUserWhere($where: ${t}_bool_exp!, $limit: Int!) { ${t}(where: $where, limit: $limit) { ${fields} } }`,
    mixedCase: `query AuthuraMixedCaseEmails { ${t}_aggregate(where: { ${c.email}: { _regex: "[[:upper:]]" } }) { aggregate { count } } }`,
    byId: `query AuthuraUserById($id: ${idType}!) { ${t}_by_pk(${c.id}: $id) { ${fields} } }`,
    insert: `mutation AuthuraCreateUser($object: ${t}_insert_input!) { insert_${t}_one(object: $object) { ${fields} } }`,
    // `where` names the row, its tenant and what the row must still hold: one conditional write.
    update: `mutation AuthuraUpdateUser($where: ${t}_bool_exp!, $set: ${t}_set_input!) { update_${t}(where: $where, _set: $set) { affected_rows returning { ${fields} } } }`,
    ping: `query AuthuraPing { __typename }`,
    page: `query AuthuraUserPage($where: ${t}_bool_exp!, $limit: Int!) { ${t}(where: $where, limit: $limit, order_by: { ${c.id}: asc }) { ${fields} } }`,
    remove: `mutation AuthuraDeleteUser($where: ${t}_bool_exp!) { delete_${t}(where: $where) { affected_rows } }`,
    // The tracked table's fields and their scalar types (non-null unwrapped).
    describe: `query AuthuraDescribe { __type(name: ${JSON.stringify(t)}) { fields { name type { name ofType { name } } } } }`,
    // The spent-links table, when it is tracked (README: hasura).
    spentProbe: `query AuthuraSpentLinksProbe { ${SPENT} (limit: 0) { jti } }`,
    spend: `mutation AuthuraSpendLink($jti: String!, $expires: bigint!) { insert_${SPENT}_one(object: { jti: $jti, expires_at: $expires }, on_conflict: { constraint: ${SPENT}_pkey, update_columns: [] }) { jti } }`,
    unspend: `mutation AuthuraUnspendLink($jti: String!) { delete_${SPENT}_by_pk(jti: $jti) { jti } }`,
  };
  // Whether the spent-links table is tracked (README: hasura).
  const hasSpentLinks = trackedTable(request, queries.spentProbe);
  // The users table fits the configuration: checked once (again after a failure to ask).
  let described: Promise<void> | undefined;
  const describeTable = () =>
    (described ??= request('describe', queries.describe, {}).then(
      (data) => {
        const type = data.__type as { fields?: { name: string; type: { name: string | null; ofType: { name: string | null } | null } }[] } | null;
        if (!type?.fields) throw new BackendError('refused', `USERS_TABLE ${t} is not a table tracked by Hasura (track it, or name its root field)`);
        checkColumns('hasura', t, c, new Map(type.fields.map((f) => [f.name, f.type.name ?? f.type.ofType?.name ?? '?'])));
      },
      (error: unknown) => {
        described = undefined;
        throw error;
      },
    ));

  async function request(operation: string, document: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> {
    try {
      return await client.request<Record<string, unknown>>(document, variables);
    } catch (error) {
      throw hasuraError(operation, error);
    }
  }

  const mfa = hasuraMfa(request);
  const claimPaths = options.claimsMap === undefined ? undefined : parseClaimsMap(options.claimsMap);
  const claimsQuery = claimPaths && `query AuthuraClaims($id: ${idType}!) { ${t}_by_pk(${c.id}: $id) { ${c.tenant_id} ${claimsSelection(claimPaths)} } }`;
  const readClaims = async (id: UserId, tenantId: string | null): Promise<Record<string, unknown> | null> => {
    const key = idVariable(id);
    if (key === undefined || claimsQuery === undefined || claimPaths === undefined) return null;
    const row = (await request('read claims', claimsQuery, { id: key }))[`${t}_by_pk`] as Record<string, unknown> | null | undefined;
    if (!row || (row[c.tenant_id] ?? null) !== tenantId) return null;
    return claimsOf(row, claimPaths);
  };
  // Checked once against Hasura's schema (a path it does not have stops the start), then remembered.
  let claimsChecked: Promise<void> | undefined;
  const checkClaims = () =>
    (claimsChecked ??= readClaims(integerId ? -1 : '00000000-0000-0000-0000-000000000000', null).then(
      () => undefined,
      (error: unknown) => {
        claimsChecked = undefined;
        if (error instanceof BackendError && error.code === 'refused') throw new BackendError('refused', `JWT_CLAIMS_MAP: ${error.message}`, { cause: error });
        throw error;
      },
    ));
  const passkeys = hasuraPasskeys(request);

  const user = (value: unknown): StoredUser | null =>
    value === null || value === undefined
      ? null
      : toStoredUser(fromColumns(value as Record<string, unknown>, c), 'Hasura', { sessionVersion });

  /** The id as the GraphQL variable type wants it; `undefined` when it cannot be one. */
  const idVariable = (id: UserId): UserId | undefined => {
    if (!integerId) return String(id);
    const n = typeof id === 'number' ? id : /^\d{1,15}$/.test(id) ? Number(id) : Number.NaN;
    return Number.isSafeInteger(n) ? n : undefined;
  };

  async function findById(id: UserId, tenantId: string | null): Promise<StoredUser | null> {
    const key = idVariable(id);
    if (key === undefined) return null;
    const data = await request('find user', queries.byId, { id: key });
    const found = user(data[`${t}_by_pk`]);
    // `_by_pk` knows nothing of tenants: a user of another tenant is not found.
    return found && found.tenant_id === tenantId ? found : null;
  }

  async function findByEmail(email: string, tenantId: string | null): Promise<StoredUser | null> {
    // Insensitive: `_ilike` with its wildcards escaped (`a_b@x` must not match `axb@x`), up to two
    // rows, each checked again — an ambiguity is refused, never guessed.
    const match = insensitive ? { _ilike: email.replace(/[\\%_]/g, (ch) => `\\${ch}`) } : { _eq: email };
    const where = { [c.email]: match, [c.tenant_id]: tenantWhere(tenantId) };
    const data = await request('find user', queries.byWhere, { where, limit: insensitive ? 2 : 1 });
    const rows = data[t];
    if (!Array.isArray(rows)) throw new BackendError('bad_response', 'Hasura returned no user list');
    const found = rows.map(user).filter((u): u is StoredUser => u !== null && (insensitive ? u.email.toLowerCase() === email : u.email === email));
    if (found.length > 1) throw ambiguousEmail('Hasura');
    return found[0] ?? null;
  }

  /**
   * The README's unique index lets NULL-tenant rows share an email, and GraphQL offers no lock:
   * check first, and let the unique index (add the partial one of `npm run migrate`) close the race.
   */
  async function assertEmailFree(email: string, tenantId: string | null, exceptId?: UserId): Promise<void> {
    const taken = await findByEmail(email, tenantId);
    if (taken && (exceptId === undefined || String(taken.id) !== String(exceptId))) {
      throw new BackendError('conflict', 'A user with this email already exists');
    }
  }

  return {
    kind: 'hasura',
    findByEmail,
    findById,
    async create(newUser: NewUser) {
      await assertEmailFree(newUser.email, newUser.tenant_id);
      const data = await request('create user', queries.insert, { object: toColumns(newUser, c) });
      const created = user(data[`insert_${t}_one`]);
      if (!created) throw new BackendError('bad_response', 'Hasura returned no user for the insert');
      return created;
    },
    async update(id: UserId, tenantId: string | null, patch: UserPatch, expected: UserExpectation = {}) {
      const key = idVariable(id);
      if (key === undefined) return null;
      const where: Record<string, unknown> = { [c.id]: { _eq: key }, [c.tenant_id]: tenantWhere(tenantId) };
      for (const f of EXPECTABLE) {
        const column = c[f];
        if (expected[f] !== undefined && column !== undefined) where[column] = { _eq: expected[f] };
      }
      const set = toColumns(patch, c);
      if (Object.keys(set).length === 0) {
        const data = await request('find user', queries.byWhere, { where, limit: 1 });
        return user((data[t] as unknown[] | undefined)?.[0]);
      }
      if (patch.email !== undefined) await assertEmailFree(patch.email, tenantId, id);
      const data = await request('update user', queries.update, { where, set });
      const result = data[`update_${t}`] as { affected_rows?: unknown; returning?: unknown } | null | undefined;
      if (!result || !Array.isArray(result.returning)) throw new BackendError('bad_response', 'Hasura returned no result for the update');
      return user(result.returning[0]);
    },
    async ping() {
      await request('ping', queries.ping, {});
    },
    async listUsers(query) {
      const and: Record<string, unknown>[] = [];
      if (query.emailPrefix) and.push({ [c.email]: { _ilike: likePrefix(query.emailPrefix) } });
      if (query.tenantId !== undefined) and.push({ [c.tenant_id]: tenantWhere(query.tenantId) });
      if (query.role !== undefined) and.push({ [c.role]: { _eq: query.role } });
      if (query.after !== undefined) {
        const after = idVariable(query.after);
        if (after === undefined) return { users: [], next: null };
        and.push({ [c.id]: { _gt: after } });
      }
      const data = await request('list users', queries.page, { where: { _and: and }, limit: query.limit + 1 });
      const rows = data[t];
      if (!Array.isArray(rows)) throw new BackendError('bad_response', 'Hasura returned no user list');
      const users = rows.slice(0, query.limit).map((r) => user(r) as StoredUser);
      return { users, next: rows.length > query.limit ? String(users[users.length - 1]?.id) : null };
    },
    async deleteUser(id, tenantId, expected = {}) {
      const key = idVariable(id);
      if (key === undefined) return false;
      const where: Record<string, unknown> = { [c.id]: { _eq: key }, [c.tenant_id]: tenantWhere(tenantId) };
      for (const f of EXPECTABLE) if (expected[f] !== undefined && c[f] !== undefined) where[c[f] as string] = { _eq: expected[f] };
      const data = await request('delete user', queries.remove, { where });
      const affected = (data[`delete_${t}`] as { affected_rows?: unknown } | null | undefined)?.affected_rows;
      if (typeof affected !== 'number') throw new BackendError('bad_response', 'Hasura returned no result for the delete');
      return affected === 1;
    },
    ...(claimPaths === undefined ? {} : { userClaims: (user: StoredUser) => readClaims(user.id, user.tenant_id) }),
    async capabilities() {
      await describeTable();
      if (claimPaths !== undefined) await checkClaims();
      return { conditionalUpdate: true, spendOnce: await hasSpentLinks(), sessionVersion, mfa: await mfa.tracked(), passkeys: await passkeys.tracked(), listUsers: true, deleteUser: true, claims: claimPaths !== undefined };
    },
    mfa: mfa.store,
    passkeys: passkeys.store,
    async spendLink(jti, expiresAt) {
      const data = await request('spend link', queries.spend, { jti, expires: expiresAt });
      // `on_conflict` with nothing to update: Hasura answers null for a link already spent.
      return (data[`insert_${SPENT}_one`] ?? null) !== null;
    },
    async unspendLink(jti) {
      await request('unspend link', queries.unspend, { jti });
    },
    async mixedCaseEmails() {
      const data = await request('count mixed-case emails', queries.mixedCase, {});
      const count = (data[`${t}_aggregate`] as { aggregate?: { count?: unknown } } | undefined)?.aggregate?.count;
      if (typeof count !== 'number') throw new BackendError('bad_response', 'Hasura returned no count');
      return count;
    },
    async close() {},
  };
}

/**
 * What went wrong, by kind and by Hasura's error code — never by matching message text: no
 * answer (the outbound helper's code), a 5xx, Hasura's `constraint-violation` (the unique
 * index: a taken email), any other GraphQL error, or an answer that is not GraphQL at all.
 */
function hasuraError(operation: string, error: unknown): BackendError {
  if (error instanceof BackendError) return error;
  if (error instanceof OutboundError) {
    if (error.code === 'timeout') return new BackendError('timeout', `Hasura did not answer in time (${operation})`, { cause: error });
    if (error.code === 'unreachable') return new BackendError('unavailable', `Hasura is unreachable (${operation})`, { cause: error });
    return new BackendError('bad_response', `Hasura's answer is too large (${operation})`, { cause: error });
  }
  if (error instanceof ClientError) {
    const codes = (error.response.errors ?? []).map((e) => String((e.extensions as { code?: unknown } | undefined)?.code ?? ''));
    if (error.response.status >= 500) {
      return new BackendError('unavailable', `Hasura failed with ${error.response.status} (${operation})`, { cause: error });
    }
    if (codes.includes('constraint-violation')) return new BackendError('conflict', 'A user with this email already exists', { cause: error });
    if (codes.some((code) => code === 'access-denied' || code === 'invalid-headers' || code === 'invalid-jwt') || error.response.status === 401) {
      return new BackendError('refused', `HASURA_GRAPHQL_ADMIN_SECRET: Hasura refused the ${operation} call (${codes.join(', ') || error.response.status}): check the admin secret`, { cause: error });
    }
    // The query does not fit Hasura's schema: a table or field the configuration names is not there.
    if (codes.includes('validation-failed')) {
      return new BackendError('refused', `Hasura has no ${operation} for this configuration (USERS_TABLE, USERS_COLUMNS): ${error.response.errors?.[0]?.message ?? 'validation-failed'}`, { cause: error });
    }
    return new BackendError('bad_response', `Hasura refused the ${operation} call (${codes.join(', ') || error.response.status})`, { cause: error });
  }
  return new BackendError('bad_response', `Hasura answered with something that is not GraphQL (${operation})`, { cause: error });
}
