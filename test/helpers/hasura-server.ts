import { GraphQLError } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { createServer } from 'node:http';
import { listen } from './http-server.js';
import postgres from 'postgres';

/** What the fake can be told to do wrong, for fault tests. */
export interface HasuraFaults {
  /** Answer 200 with a body that is not JSON. */
  garbage?: boolean;
  /** Answer with this HTTP status and an HTML body (a proxy in front of a dead Hasura). */
  status?: number;
  /** Return users whose `role` is missing (a malformed row). */
  malformedRows?: boolean;
}

const COLUMNS = ['id', 'email', 'role', 'password', 'tenant_id', 'verified_at', 'session_version'] as const;

/**
 * A real GraphQL server speaking Hasura's generated API for the `users` table over a real
 * Postgres database: `users(where, limit)`, `users_by_pk`, `insert_users_one`,
 * `update_users_by_pk`, Hasura's error codes, and the admin secret header. `session_version`
 * is in the GraphQL schema; the database has it when the test's schema adds the column.
 */
export async function startHasura(databaseUrl: string, adminSecret: string) {
  const sql = postgres(databaseUrl, { max: 4, onnotice: () => {} });
  const faults: HasuraFaults = {};
  // While set, calls wait here: a Hasura that does not answer in time.
  let held: Promise<boolean> | undefined;
  let open: (proceed: boolean) => void = () => {};
  const typeDefs = /* GraphQL */ `
    scalar timestamptz
    input String_comparison_exp { _eq: String, _neq: String, _is_null: Boolean, _ilike: String, _regex: String }
    input Int_comparison_exp { _eq: Int, _neq: Int, _is_null: Boolean, _gt: Int }
    input timestamptz_comparison_exp { _eq: timestamptz, _is_null: Boolean }
    input users_bool_exp {
      _and: [users_bool_exp!], _or: [users_bool_exp!], _not: users_bool_exp
      id: Int_comparison_exp, email: String_comparison_exp, role: String_comparison_exp,
      password: String_comparison_exp, tenant_id: String_comparison_exp, verified_at: timestamptz_comparison_exp,
      session_version: Int_comparison_exp
    }
    input users_insert_input { id: Int, email: String, role: String, password: String, tenant_id: String, verified_at: timestamptz }
    input users_set_input { email: String, role: String, password: String, tenant_id: String, verified_at: timestamptz, session_version: Int }
    input users_pk_columns_input { id: Int! }
    input users_order_by { id: order_by }
    type users_mutation_response { affected_rows: Int!, returning: [users!]! }
    scalar bigint
    type authura_spent_links { jti: String!, expires_at: bigint! }
    input authura_spent_links_insert_input { jti: String, expires_at: bigint }
    enum authura_spent_links_constraint { authura_spent_links_pkey }
    enum authura_spent_links_update_column { jti, expires_at }
    input authura_spent_links_on_conflict { constraint: authura_spent_links_constraint!, update_columns: [authura_spent_links_update_column!]! }
    type authura_mfa { user_id: String!, tenant_id: String, totp_secret: String, totp_confirmed_at: String, totp_last_step: bigint!, recovery_codes: String!, version: bigint! }
    input bigint_comparison_exp { _eq: bigint }
    input authura_mfa_bool_exp { user_id: String_comparison_exp, tenant_id: String_comparison_exp, version: bigint_comparison_exp }
    input authura_mfa_insert_input { user_id: String, tenant_id: String, totp_secret: String, totp_confirmed_at: String, totp_last_step: bigint, recovery_codes: String, version: bigint }
    input authura_mfa_set_input { totp_secret: String, totp_confirmed_at: String, totp_last_step: bigint, recovery_codes: String, version: bigint }
    enum authura_mfa_constraint { authura_mfa_pkey }
    enum authura_mfa_update_column { totp_secret }
    input authura_mfa_on_conflict { constraint: authura_mfa_constraint!, update_columns: [authura_mfa_update_column!]! }
    type authura_mfa_mutation_response { affected_rows: Int! }
    type authura_passkeys { id: String!, user_id: String!, tenant_id: String, public_key: String!, counter: bigint!, transports: String!, backup_eligible: Int!, backed_up: Int!, name: String!, created_at: String!, last_used_at: String, version: bigint! }
    input authura_passkeys_bool_exp { id: String_comparison_exp, user_id: String_comparison_exp, tenant_id: String_comparison_exp, version: bigint_comparison_exp }
    input authura_passkeys_insert_input { id: String, user_id: String, tenant_id: String, public_key: String, counter: bigint, transports: String, backup_eligible: Int, backed_up: Int, name: String, created_at: String, last_used_at: String, version: bigint }
    input authura_passkeys_set_input { counter: bigint, backed_up: Int, name: String, last_used_at: String, version: bigint }
    enum authura_passkeys_constraint { authura_passkeys_pkey }
    enum authura_passkeys_update_column { name }
    input authura_passkeys_on_conflict { constraint: authura_passkeys_constraint!, update_columns: [authura_passkeys_update_column!]! }
    enum order_by { asc, desc }
    input authura_passkeys_order_by { created_at: order_by, id: order_by }
    type authura_passkeys_mutation_response { affected_rows: Int! }
    type users_aggregate_fields { count: Int! }
    type users_aggregate { aggregate: users_aggregate_fields }
    type users { id: Int!, email: String!, role: String!, password: String!, tenant_id: String, verified_at: timestamptz, session_version: Int, memberships: [memberships!]! }
    type memberships { user_id: Int!, role: String, org_id: String, org: orgs }
    type orgs { id: String!, plan: String }
    type query_root {
      users(where: users_bool_exp, limit: Int, order_by: [users_order_by!]): [users!]!
      users_by_pk(id: Int!): users
      users_aggregate(where: users_bool_exp): users_aggregate!
      authura_spent_links(limit: Int): [authura_spent_links!]!
      authura_mfa(limit: Int): [authura_mfa!]!
      authura_mfa_by_pk(user_id: String!): authura_mfa
      authura_passkeys(where: authura_passkeys_bool_exp, limit: Int, order_by: [authura_passkeys_order_by!]): [authura_passkeys!]!
      authura_passkeys_by_pk(id: String!): authura_passkeys
    }
    type mutation_root {
      insert_users_one(object: users_insert_input!): users
      update_users_by_pk(pk_columns: users_pk_columns_input!, _set: users_set_input): users
      update_users(where: users_bool_exp!, _set: users_set_input): users_mutation_response
      delete_users(where: users_bool_exp!): users_mutation_response
      insert_authura_spent_links_one(object: authura_spent_links_insert_input!, on_conflict: authura_spent_links_on_conflict): authura_spent_links
      delete_authura_spent_links_by_pk(jti: String!): authura_spent_links
      insert_authura_mfa_one(object: authura_mfa_insert_input!, on_conflict: authura_mfa_on_conflict): authura_mfa
      update_authura_mfa(where: authura_mfa_bool_exp!, _set: authura_mfa_set_input): authura_mfa_mutation_response
      insert_authura_passkeys_one(object: authura_passkeys_insert_input!, on_conflict: authura_passkeys_on_conflict): authura_passkeys
      update_authura_passkeys(where: authura_passkeys_bool_exp!, _set: authura_passkeys_set_input): authura_passkeys_mutation_response
      delete_authura_passkeys(where: authura_passkeys_bool_exp!): authura_passkeys_mutation_response
    }
    schema { query: query_root, mutation: mutation_root }
  `;

  type Row = Record<string, unknown>;
  type PasskeyWhere = Partial<Record<'id' | 'user_id' | 'tenant_id' | 'version', { _eq?: string | number; _is_null?: boolean }>>;
  const PASSKEY_COLUMNS = 'id, user_id, tenant_id, public_key, counter::text AS counter, transports, backup_eligible, backed_up, name, created_at, last_used_at, version::text AS version';
  /** The passkeys' `where`: each named column equal (or null), all of them together. */
  const passkeyWhere = (where: PasskeyWhere = {}) => {
    const parts = Object.entries(where).map(([column, test]) =>
      test?._is_null ? sql`${sql(column)} IS NULL` : sql`${sql(column)} = ${String(test?._eq)}`,
    );
    return parts.reduce((all, part) => sql`${all} AND ${part}`, sql`TRUE`);
  };
  // bigint columns as Hasura may send them: strings.
  const MFA_COLUMNS = 'user_id, tenant_id, totp_secret, totp_confirmed_at, totp_last_step::text AS totp_last_step, recovery_codes, version::text AS version';
  const shape = (row: Row | undefined) => {
    if (!row) return null;
    const out: Row = { ...row, verified_at: row.verified_at instanceof Date ? row.verified_at.toISOString() : row.verified_at };
    if (faults.malformedRows) delete out.role;
    return out;
  };

  type Fragment = postgres.PendingQuery<postgres.Row[]>;
  const where = (exp: Row | undefined): Fragment => {
    const parts: Fragment[] = [];
    for (const [key, value] of Object.entries(exp ?? {})) {
      if (key === '_and') for (const sub of value as Row[]) parts.push(sql`(${where(sub)})`);
      else if (key === '_or') {
        const subs = (value as Row[]).map((sub) => sql`(${where(sub)})`);
        parts.push(subs.length === 0 ? sql`false` : subs.reduce((a, b) => sql`${a} OR ${b}`));
      } else if (key === '_not') parts.push(sql`NOT (${where(value as Row)})`);
      else if ((COLUMNS as readonly string[]).includes(key)) {
        for (const [op, operand] of Object.entries(value as Row)) {
          if (op === '_eq') parts.push(sql`${sql(key)} = ${operand as string}`);
          else if (op === '_neq') parts.push(sql`${sql(key)} <> ${operand as string}`);
          else if (op === '_gt') parts.push(sql`${sql(key)} > ${operand as string}`);
          else if (op === '_is_null') parts.push(operand ? sql`${sql(key)} IS NULL` : sql`${sql(key)} IS NOT NULL`);
          // Hasura's: ILIKE (backslash escapes) and POSIX regular expressions (~).
          else if (op === '_ilike') parts.push(sql`${sql(key)} ILIKE ${operand as string}`);
          else if (op === '_regex') parts.push(sql`${sql(key)} ~ ${operand as string}`);
        }
      }
    }
    return parts.length === 0 ? sql`true` : parts.reduce((a, b) => sql`${a} AND ${b}`);
  };

  const dbError = (error: unknown, path: string): never => {
    const code = (error as { code?: string }).code;
    if (code === '23505') {
      throw new GraphQLError(`Uniqueness violation. ${(error as Error).message}`, {
        extensions: { path, code: 'constraint-violation' },
      });
    }
    throw new GraphQLError('database query error', { extensions: { path, code: 'unexpected' } });
  };

  const yoga = createYoga({
    graphqlEndpoint: '/v1/graphql',
    logging: false,
    maskedErrors: false,
    schema: createSchema({
      typeDefs,
      resolvers: {
        query_root: {
          users: async (_: unknown, args: { where?: Row; limit?: number }) => {
            const rows = await sql`SELECT * FROM users WHERE ${where(args.where)} ORDER BY id LIMIT ${args.limit ?? 100}`;
            return rows.map((r) => shape(r));
          },
          users_by_pk: async (_: unknown, args: { id: number }) => shape((await sql`SELECT * FROM users WHERE id = ${args.id}`)[0]),
          users_aggregate: async (_: unknown, args: { where?: Row }) => ({
            aggregate: { count: Number((await sql`SELECT count(*)::int AS n FROM users WHERE ${where(args.where)}`)[0]?.n ?? 0) },
          }),
          // A tracked table exists only where the database has it (Hasura refuses an untracked one).
          authura_spent_links: async (_: unknown, args: { limit?: number }) => {
            try {
              return await sql`SELECT jti, expires_at::text AS expires_at FROM authura_spent_links LIMIT ${args.limit ?? 100}`;
            } catch {
              throw new GraphQLError("field 'authura_spent_links' not found in type: 'query_root'", { extensions: { path: '$.selectionSet.authura_spent_links', code: 'validation-failed' } });
            }
          },
          authura_mfa: async (_: unknown, args: { limit?: number }) => {
            try {
              return await sql`SELECT ${sql.unsafe(MFA_COLUMNS)} FROM authura_mfa LIMIT ${args.limit ?? 100}`;
            } catch {
              throw new GraphQLError("field 'authura_mfa' not found in type: 'query_root'", { extensions: { path: '$.selectionSet.authura_mfa', code: 'validation-failed' } });
            }
          },
          authura_passkeys: async (_: unknown, args: { where?: PasskeyWhere; limit?: number }) => {
            try {
              return await sql`SELECT ${sql.unsafe(PASSKEY_COLUMNS)} FROM authura_passkeys WHERE ${passkeyWhere(args.where)} ORDER BY created_at, id LIMIT ${args.limit ?? 100}`;
            } catch {
              throw new GraphQLError("field 'authura_passkeys' not found in type: 'query_root'", { extensions: { path: '$.selectionSet.authura_passkeys', code: 'validation-failed' } });
            }
          },
          authura_passkeys_by_pk: async (_: unknown, args: { id: string }) => (await sql`SELECT ${sql.unsafe(PASSKEY_COLUMNS)} FROM authura_passkeys WHERE id = ${args.id}`)[0] ?? null,
          authura_mfa_by_pk: async (_: unknown, args: { user_id: string }) => (await sql`SELECT ${sql.unsafe(MFA_COLUMNS)} FROM authura_mfa WHERE user_id = ${args.user_id}`)[0] ?? null,
        },
        // Relationships (tests of JWT_CLAIMS_MAP): users → memberships (array), memberships → orgs (object).
        users: {
          memberships: async (parent: { id: number }) => sql`SELECT * FROM memberships WHERE user_id = ${parent.id} ORDER BY role`,
        },
        memberships: {
          org: async (parent: { org_id: string | null }) => (parent.org_id === null ? null : ((await sql`SELECT * FROM orgs WHERE id = ${parent.org_id}`)[0] ?? null)),
        },
        mutation_root: {
          insert_authura_passkeys_one: async (_: unknown, args: { object: Row }) =>
            (await sql`INSERT INTO authura_passkeys ${sql(args.object)} ON CONFLICT (id) DO NOTHING RETURNING ${sql.unsafe(PASSKEY_COLUMNS)}`)[0] ?? null,
          update_authura_passkeys: async (_: unknown, args: { where: PasskeyWhere; _set?: Row }) => ({
            affected_rows: (await sql`UPDATE authura_passkeys SET ${sql(args._set ?? {})} WHERE ${passkeyWhere(args.where)} RETURNING id`).length,
          }),
          delete_authura_passkeys: async (_: unknown, args: { where: PasskeyWhere }) => ({
            affected_rows: (await sql`DELETE FROM authura_passkeys WHERE ${passkeyWhere(args.where)} RETURNING id`).length,
          }),
          insert_authura_mfa_one: async (_: unknown, args: { object: Row }) =>
            (await sql`INSERT INTO authura_mfa ${sql(args.object)} ON CONFLICT (user_id) DO NOTHING RETURNING ${sql.unsafe(MFA_COLUMNS)}`)[0] ?? null,
          update_authura_mfa: async (_: unknown, args: { where: { user_id: { _eq: string }; tenant_id: { _eq?: string; _is_null?: boolean }; version: { _eq: string | number } }; _set?: Row }) => {
            const { user_id, tenant_id, version } = args.where;
            const tenant = tenant_id._is_null ? null : (tenant_id._eq ?? null);
            const rows = await sql`UPDATE authura_mfa SET ${sql(args._set ?? {})} WHERE user_id = ${user_id._eq} AND tenant_id IS NOT DISTINCT FROM ${tenant} AND version = ${String(version._eq)} RETURNING user_id`;
            return { affected_rows: rows.length };
          },
          insert_users_one: async (_: unknown, args: { object: Row }) => {
            try {
              return shape((await sql`INSERT INTO users ${sql(args.object)} RETURNING *`)[0]);
            } catch (error) {
              return dbError(error, '$.selectionSet.insert_users_one.args.object');
            }
          },
          delete_users: async (_: unknown, args: { where: Row }) => {
            const rows = await sql`DELETE FROM users WHERE ${where(args.where)} RETURNING *`;
            return { affected_rows: rows.length, returning: rows.map((r) => shape(r)) };
          },
          update_users: async (_: unknown, args: { where: Row; _set?: Row }) => {
            const set = args._set ?? {};
            try {
              const rows = Object.keys(set).length === 0 ? [] : await sql`UPDATE users SET ${sql(set)} WHERE ${where(args.where)} RETURNING *`;
              return { affected_rows: rows.length, returning: rows.map((r) => shape(r)) };
            } catch (error) {
              return dbError(error, '$.selectionSet.update_users.args._set');
            }
          },
          insert_authura_spent_links_one: async (_: unknown, args: { object: { jti: string; expires_at: string | number } }) => {
            // on_conflict with no column to update: the existing row is left alone and null returned.
            const rows = await sql`INSERT INTO authura_spent_links (jti, expires_at) VALUES (${args.object.jti}, ${String(args.object.expires_at)}) ON CONFLICT (jti) DO NOTHING RETURNING jti, expires_at::text AS expires_at`;
            return rows[0] ?? null;
          },
          delete_authura_spent_links_by_pk: async (_: unknown, args: { jti: string }) =>
            (await sql`DELETE FROM authura_spent_links WHERE jti = ${args.jti} RETURNING jti, expires_at::text AS expires_at`)[0] ?? null,
          update_users_by_pk: async (_: unknown, args: { pk_columns: { id: number }; _set?: Row }) => {
            const set = args._set ?? {};
            if (Object.keys(set).length === 0) return shape((await sql`SELECT * FROM users WHERE id = ${args.pk_columns.id}`)[0]);
            try {
              return shape((await sql`UPDATE users SET ${sql(set)} WHERE id = ${args.pk_columns.id} RETURNING *`)[0]);
            } catch (error) {
              return dbError(error, '$.selectionSet.update_users_by_pk.args._set');
            }
          },
        },
      },
    }),
    plugins: [
      {
        // Like Hasura: a query that does not fit the schema is `validation-failed`.
        onValidate() {
          return ({ result, setResult }: { result: readonly GraphQLError[]; setResult(errors: GraphQLError[]): void }) => {
            if (result.length > 0) setResult(result.map((e) => new GraphQLError(e.message, { extensions: { path: '$', code: 'validation-failed' } })));
          };
        },
        async onRequest({ request, endResponse }) {
          // Like Hasura, do not run the operation of a client that gave up (dropped while held).
          if (held && !(await held)) return endResponse(new Response(null, { status: 499 }));
          if (faults.garbage) return endResponse(new Response('<<not json>>', { status: 200, headers: { 'content-type': 'application/json' } }));
          if (faults.status) return endResponse(new Response('<html>Bad Gateway</html>', { status: faults.status, headers: { 'content-type': 'text/html' } }));
          if (request.headers.get('x-hasura-admin-secret') !== adminSecret) {
            endResponse(
              Response.json({
                errors: [{ extensions: { path: '$', code: 'access-denied' }, message: 'invalid x-hasura-admin-secret/x-hasura-access-key' }],
              }),
            );
          }
        },
      },
    ],
  });

  const server = await listen(createServer(yoga));
  return {
    url: `http://127.0.0.1:${server.port}/v1/graphql`,
    faults,
    hold() {
      held ??= new Promise((resolve) => {
        open = resolve;
      });
    },
    /** Ends the held calls unanswered and answers again. */
    drop() {
      held = undefined;
      open(false);
    },
    pause: server.pause,
    resume: server.resume,
    async close() {
      await server.close();
      await sql.end({ timeout: 1 });
    },
  };
}
