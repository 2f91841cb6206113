import { createHash } from 'node:crypto';
import postgres from 'postgres';
import {
  fromColumns,
  mappedFields,
  resolveSessionVersion,
  toColumns,
  withSessionVersion,
  type ColumnMap,
  type SessionVersionSetting,
} from '../columns.js';
import { toStoredUser } from '../row.js';
import { checkColumns } from '../schema-check.js';
import { MFA_TABLE, mfaRow, toMfaRecord } from '../mfa-record.js';
import { PASSKEYS_TABLE } from '../passkey-record.js';
import { postgresPasskeys } from './postgres-passkeys.js';
import { SPENT_LINKS_TABLE, splitTableName } from '../sql.js';
import { ambiguousEmail, BackendError, type EmailLookup, EXPECTABLE, likePrefix, type NewUser, oneClaimsRow, type StoredUser, type UserBackend, type UserExpectation, type UserId, type UserPatch } from '../types.js';

interface PostgresBackendOptions {
  readonly dsn: string;
  readonly timeoutMs: number;
  readonly poolSize: number;
  readonly table: string;
  readonly columns: ColumnMap;
  /** Default `auto`: a `session_version` column is used when the table has one. */
  readonly sessionVersion?: SessionVersionSetting;
  /** EMAIL_LOOKUP (default `exact`); `insensitive` uses `lower(email)` (its index: npm run migrate). */
  readonly emailLookup?: EmailLookup;
  /** JWT_CLAIMS_QUERY: run in a read-only transaction, `$1` the user id, `$2` the tenant id. */
  readonly claimsQuery?: string | undefined;
}

/**
 * The Postgres backend on the Authura users table (or a mapped existing table): a pool of
 * connections, prepared statements, values only ever as parameters. Identifiers come from the
 * validated configuration and are quoted by the driver.
 */
export function createPostgresBackend(options: PostgresBackendOptions): UserBackend {
  const setting = options.sessionVersion ?? 'auto';
  const sql = postgres(options.dsn, {
    max: options.poolSize,
    connect_timeout: Math.max(1, Math.ceil(options.timeoutMs / 1000)),
    idle_timeout: 60,
    max_lifetime: 30 * 60,
    prepare: true,
    onnotice: () => {},
    // The server cancels any statement that outlives the backend timeout: no write lands late.
    connection: { statement_timeout: options.timeoutMs, application_name: 'authura' },
  });
  const table = sql(options.table);

  /**
   * The columns in use, known once the server has answered which the table has (the session
   * version column may or may not be there); asked again after a failure.
   */
  let known: Promise<Shape> | undefined;
  const shape = (): Promise<Shape> =>
    (known ??= describeTable().catch((error: unknown) => {
      known = undefined;
      throw error;
    }));
  interface Shape {
    readonly c: ColumnMap;
    readonly selected: postgres.Helper<string[]>;
    readonly user: (row: Record<string, unknown> | undefined) => StoredUser | null;
    /** `npm run migrate` created the spent-links table. */
    readonly spentLinks: boolean;
    /** `npm run migrate` created the MFA table. */
    readonly mfa: boolean;
    /** `npm run migrate` created the passkeys table. */
    readonly passkeys: boolean;
  }
  const { schema: usersSchema } = splitTableName(options.table);
  const spentTable = sql(usersSchema === undefined ? SPENT_LINKS_TABLE : `${usersSchema}.${SPENT_LINKS_TABLE}`);
  const mfaName = usersSchema === undefined ? MFA_TABLE : `${usersSchema}.${MFA_TABLE}`;
  const mfaTable = sql(mfaName);
  const passkeysName = usersSchema === undefined ? PASSKEYS_TABLE : `${usersSchema}.${PASSKEYS_TABLE}`;
  async function describeTable(): Promise<Shape> {
    const { schema: schemaName, name: tableName } = splitTableName(options.table);
    const rows = await sql`SELECT column_name, data_type, udt_name FROM information_schema.columns
      WHERE table_schema = ${schemaName ?? sql`current_schema()`} AND table_name = ${tableName}`;
    if (rows.length === 0) {
      throw new BackendError('refused', `USERS_TABLE ${options.table} does not exist in the database (or the database user cannot see it): create it with npm run migrate`);
    }
    // A domain or extension type (citext) by its own name.
    const types = new Map(rows.map((r) => [String(r.column_name), r.data_type === 'USER-DEFINED' ? String(r.udt_name) : String(r.data_type)]));
    const c = withSessionVersion(options.columns, resolveSessionVersion(setting, new Set(types.keys()), options.table));
    checkColumns('postgres', options.table, c, types);
    const sessionVersion = c.session_version !== undefined;
    const [found] = await sql`SELECT to_regclass(${usersSchema === undefined ? SPENT_LINKS_TABLE : `${usersSchema}.${SPENT_LINKS_TABLE}`}) AS spent, to_regclass(${mfaName}) AS mfa, to_regclass(${passkeysName}) AS passkeys`;
    if (options.claimsQuery !== undefined) {
      // Once at start, for an id of the id column's type that no user has: a query that fails, fails the start.
      const idType = types.get(c.id) ?? '';
      const probe = /int|numeric/.test(idType) ? '-1' : idType === 'uuid' ? '00000000-0000-0000-0000-000000000000' : '';
      await readClaims(probe, null).catch((error: unknown) => {
        throw new BackendError('refused', `JWT_CLAIMS_QUERY: Postgres refused it: ${(error as Error).message}`, { cause: error });
      });
    }
    return {
      c,
      spentLinks: found?.spent !== null && found?.spent !== undefined,
      mfa: found?.mfa !== null && found?.mfa !== undefined,
      passkeys: found?.passkeys !== null && found?.passkeys !== undefined,
      selected: sql(mappedFields(c).map((f) => c[f] as string)),
      user: (row) => (row === undefined ? null : toStoredUser(fromColumns(row, c), 'Postgres', { sessionVersion })),
    };
  }
  /** The claims query, only ever in a read-only transaction (a query that writes fails there). */
  const readClaims = async (userId: string, tenantId: string | null) => {
    const query = options.claimsQuery as string;
    const params = [userId, tenantId].slice(0, query.includes('$2') ? 2 : query.includes('$1') ? 1 : 0);
    const rows = await sql.begin('read only', (tx) => tx.unsafe(query, params as never[]));
    return oneClaimsRow(rows as unknown as Record<string, unknown>[], 'Postgres');
  };
  const insensitive = options.emailLookup === 'insensitive';
  /** The row(s) of `email`: exactly, or in any case (then up to two: an ambiguity is seen, not guessed). */
  const emailIs = (c: ColumnMap, email: string) => (insensitive ? sql`lower(${sql(c.email)}) = ${email}` : sql`${sql(c.email)} = ${email}`);
  const tenantIs = (c: ColumnMap, tenantId: string | null) =>
    tenantId === null ? sql`${sql(c.tenant_id)} IS NULL` : sql`${sql(c.tenant_id)} = ${tenantId}`;
  /** The row `id` of the tenant, still holding every value `expected` names. */
  const theRow = (c: ColumnMap, id: UserId, tenantId: string | null, expected: UserExpectation) => {
    let clause = sql`${sql(c.id)} = ${String(id)} AND ${tenantIs(c, tenantId)}`;
    for (const f of EXPECTABLE) {
      const value = expected[f];
      const column = c[f];
      if (value !== undefined && column !== undefined) clause = sql`${clause} AND ${sql(column)} = ${value}`;
    }
    return clause;
  };

  /**
   * Serialises writes that claim an (email, tenant): the README's unique index cannot stop two
   * NULL-tenant rows with one email, so the check and the write run under one advisory lock.
   */
  const claimEmail = async (c: ColumnMap, tx: postgres.TransactionSql, email: string, tenantId: string | null, exceptId?: UserId) => {
    const key = createHash('sha256').update(`${options.table}\u0000${email}\u0000${tenantId ?? ''}`).digest().readBigInt64BE(0);
    await tx`SELECT pg_advisory_xact_lock(${key.toString()}::bigint)`;
    const taken = await tx`SELECT ${sql(c.id)} AS id FROM ${table} WHERE ${emailIs(c, email)} AND ${tenantIs(c, tenantId)} LIMIT 1`;
    if (taken.length > 0 && (exceptId === undefined || String(taken[0]?.id) !== String(exceptId))) {
      throw new BackendError('conflict', 'A user with this email already exists');
    }
  };

  return {
    kind: 'postgres',
    findByEmail: (email, tenantId) =>
      run('find user', async () => {
        const { c, selected, user } = await shape();
        const rows = await sql`SELECT ${selected} FROM ${table} WHERE ${emailIs(c, email)} AND ${tenantIs(c, tenantId)} LIMIT 2`;
        if (rows.length > 1) throw ambiguousEmail('Postgres');
        return user(rows[0]);
      }),
    findById: (id, tenantId) =>
      run('find user', async () => {
        const { c, selected, user } = await shape();
        const rows = await sql`SELECT ${selected} FROM ${table} WHERE ${sql(c.id)} = ${String(id)} AND ${tenantIs(c, tenantId)} LIMIT 1`;
        return user(rows[0]);
      }, { badIdIsNull: true }),
    create: (newUser: NewUser) =>
      run('create user', async () => {
        const { c, selected, user } = await shape();
        return sql.begin(async (tx) => {
          await claimEmail(c, tx, newUser.email, newUser.tenant_id);
          const rows = await tx`INSERT INTO ${table} ${sql(toColumns(newUser, c))} RETURNING ${selected}`;
          const created = user(rows[0]);
          if (!created) throw new BackendError('bad_response', 'Postgres returned no row for the insert');
          return created;
        }) as Promise<StoredUser>;
      }),
    update: (id: UserId, tenantId: string | null, patch: UserPatch, expected: UserExpectation = {}) =>
      run('update user', async () => {
        const { c, selected, user } = await shape();
        return sql.begin(async (tx) => {
          const set = toColumns(patch, c);
          if (patch.email !== undefined) await claimEmail(c, tx, patch.email, tenantId, id);
          const where = theRow(c, id, tenantId, expected);
          const rows =
            Object.keys(set).length === 0
              ? await tx`SELECT ${selected} FROM ${table} WHERE ${where}`
              : await tx`UPDATE ${table} SET ${sql(set)} WHERE ${where} RETURNING ${selected}`;
          return user(rows[0]);
        }) as Promise<StoredUser | null>;
      }, { badIdIsNull: true }),
    ...(options.claimsQuery === undefined
      ? {}
      : {
          userClaims: (user: StoredUser) =>
            run('read claims', async () => {
              await shape();
              return readClaims(String(user.id), user.tenant_id);
            }),
        }),
    listUsers: (query) =>
      run('list users', async () => {
        const { c, selected, user } = await shape();
        let where = sql`TRUE`;
        if (query.emailPrefix) where = sql`${where} AND ${sql(c.email)} ILIKE ${likePrefix(query.emailPrefix)} ESCAPE '\\'`;
        if (query.tenantId !== undefined) where = sql`${where} AND ${tenantIs(c, query.tenantId)}`;
        if (query.role !== undefined) where = sql`${where} AND ${sql(c.role)} = ${query.role}`;
        if (query.after !== undefined) where = sql`${where} AND ${sql(c.id)} > ${query.after}`;
        const rows = await sql`SELECT ${selected} FROM ${table} WHERE ${where} ORDER BY ${sql(c.id)} LIMIT ${query.limit + 1}`;
        const users = rows.slice(0, query.limit).map((r) => user(r) as StoredUser);
        return { users, next: rows.length > query.limit ? String(users[users.length - 1]?.id) : null };
      }, { badIdIsNull: true }).then((page) => page ?? { users: [], next: null }),
    deleteUser: (id, tenantId, expected = {}) =>
      run('delete user', async () => {
        const { c } = await shape();
        return (await sql`DELETE FROM ${table} WHERE ${theRow(c, id, tenantId, expected)} RETURNING ${sql(c.id)}`).length === 1;
      }, { badIdIsNull: true }).then((deleted) => deleted === true),
    ping: () => run('ping', async () => void (await sql`SELECT 1`)),
    capabilities: () =>
      run('describe table', async () => {
        const { c, spentLinks, mfa, passkeys } = await shape();
        return { conditionalUpdate: true, spendOnce: spentLinks, sessionVersion: c.session_version !== undefined, mfa, passkeys, listUsers: true, deleteUser: true, claims: options.claimsQuery !== undefined };
      }),
    passkeys: postgresPasskeys(sql, passkeysName, run),
    mfa: {
      read: (userId, tenantId) =>
        run('read mfa', async () => {
          const [found] = await sql`SELECT user_id, tenant_id, totp_secret, totp_confirmed_at, totp_last_step::text, recovery_codes, version::text
            FROM ${mfaTable} WHERE user_id = ${String(userId)} AND tenant_id IS NOT DISTINCT FROM ${tenantId}`;
          return found === undefined ? null : toMfaRecord(found, 'Postgres');
        }),
      write: (record, expectedVersion) =>
        run('write mfa', async () => {
          const { user_id, tenant_id, ...set } = mfaRow(record);
          const rows =
            expectedVersion === null
              ? await sql`INSERT INTO ${mfaTable} ${sql(mfaRow(record))} ON CONFLICT (user_id) DO NOTHING RETURNING user_id`
              : await sql`UPDATE ${mfaTable} SET ${sql(set)} WHERE user_id = ${user_id} AND tenant_id IS NOT DISTINCT FROM ${tenant_id} AND version = ${expectedVersion} RETURNING user_id`;
          return rows.length === 1;
        }),
    },
    spendLink: (jti, expiresAt) =>
      run('spend link', async () => {
        const rows = await sql`INSERT INTO ${spentTable} ${sql({ jti, expires_at: expiresAt })} ON CONFLICT (jti) DO NOTHING RETURNING jti`;
        // Expired links are forgotten by the same writers, a few at a time.
        if (rows.length === 1) await sql`DELETE FROM ${spentTable} WHERE jti IN (SELECT jti FROM ${spentTable} WHERE expires_at < ${Math.floor(Date.now() / 1000)} LIMIT 10)`;
        return rows.length === 1;
      }),
    unspendLink: (jti) => run('unspend link', async () => void (await sql`DELETE FROM ${spentTable} WHERE jti = ${jti}`)),
    mixedCaseEmails: () =>
      run('count mixed-case emails', async () => {
        const { c } = await shape();
        const [row] = await sql`SELECT count(*)::int AS n FROM ${table} WHERE ${sql(c.email)} <> lower(${sql(c.email)})`;
        return Number(row?.n ?? 0);
      }),
    close: () => sql.end({ timeout: 5 }),
  };
}

/** Postgres and driver error codes, by what they mean for the caller. */
const BAD_ID = new Set(['22P02', '22003']);
const TIMEOUT = new Set(['57014', 'CONNECT_TIMEOUT']);
/** Will not pass by waiting: credentials refused, no such database, table, column or privilege. */
const REFUSED: Record<string, string> = {
  '28P01': 'POSTGRES_DSN',
  '28000': 'POSTGRES_DSN',
  '3D000': 'POSTGRES_DSN',
  '42P01': 'USERS_TABLE',
  '42703': 'USERS_COLUMNS',
  '42501': 'POSTGRES_DSN',
};
/** May pass: the server not (yet) there, or starting up. */
const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (DNS)',
  EHOSTUNREACH: 'host unreachable',
  ECONNRESET: 'connection reset',
  '57P03': 'the database is starting up',
};

async function run<T>(operation: string, work: () => Promise<T>, options: { badIdIsNull?: boolean } = {}): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof BackendError) throw error;
    const code = String((error as { code?: unknown } | null)?.code ?? '');
    // An id of the wrong shape for the column (a UUID token on an integer table): no such user.
    if (options.badIdIsNull && BAD_ID.has(code)) return null as T;
    if (code === '23505') throw new BackendError('conflict', 'A user with this email already exists', { cause: error });
    if (TIMEOUT.has(code)) throw new BackendError('timeout', `Postgres did not answer in time (${operation})`, { cause: error });
    const message = (error as Error | null)?.message ?? String(error);
    const variable = REFUSED[code];
    // The driver's message names the real cause (`password authentication failed for user "x"`).
    if (variable !== undefined) throw new BackendError('refused', `${variable}: Postgres refused the ${operation}: ${message}`, { cause: error });
    const where = (error as { address?: unknown; port?: unknown } | null)?.address;
    const at = where === undefined ? '' : ` at ${String(where)}:${String((error as { port?: unknown }).port ?? '')}`;
    const reason = UNREACHABLE[code];
    if (reason !== undefined) throw new BackendError('unavailable', `POSTGRES_DSN: ${reason}${at} (${operation})`, { cause: error });
    throw new BackendError('unavailable', `Postgres failed (${operation}): ${message}`, { cause: error });
  }
}
