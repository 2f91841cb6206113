import { BackendError, type StoredUser } from './types.js';

/** The user fields a backend stores, in the order they are listed everywhere. */
const USER_FIELDS = ['id', 'email', 'role', 'password', 'tenant_id', 'verified_at'] as const;
type UserField = (typeof USER_FIELDS)[number];

/**
 * Column (or GraphQL field) name of each user field: the Authura names unless configured.
 * `session_version` (the counter logout bumps) is there only when the table has one.
 */
export type ColumnMap = Readonly<Record<UserField, string>> & { readonly session_version?: string };
type MappedField = UserField | 'session_version';

/** The fields `c` maps: the six user fields, and `session_version` when present. */
export function mappedFields(c: ColumnMap): readonly MappedField[] {
  return c.session_version === undefined ? USER_FIELDS : [...USER_FIELDS, 'session_version'];
}

/**
 * SESSION_VERSION_COLUMN: `auto` uses a `session_version` column when the SQL table has one;
 * `off` never keeps a counter; a named column must exist.
 */
export type SessionVersionSetting = 'auto' | 'off' | { readonly column: string };

/** The column `auto` looks for, and the one the gateway's own schema creates. */
const SESSION_VERSION_DEFAULT = 'session_version';

/** The column a schema the gateway creates gets for `setting` (none with `off`). */
export function sessionVersionColumnToCreate(setting: SessionVersionSetting): string | undefined {
  return setting === 'off' ? undefined : setting === 'auto' ? SESSION_VERSION_DEFAULT : setting.column;
}

/** The session version column to use: `auto` finds the default one; a named one must exist. */
export function resolveSessionVersion(setting: SessionVersionSetting, columns: ReadonlySet<string>, table: string): string | undefined {
  if (setting === 'off') return undefined;
  if (setting === 'auto') return columns.has(SESSION_VERSION_DEFAULT) ? SESSION_VERSION_DEFAULT : undefined;
  if (!columns.has(setting.column)) {
    throw new BackendError('refused', `The table ${table} has no column ${setting.column} (SESSION_VERSION_COLUMN)`);
  }
  return setting.column;
}

/** `c` with the session version column (or without, for `undefined`). */
export function withSessionVersion(c: ColumnMap, column: string | undefined): ColumnMap {
  const { session_version: _, ...base } = c;
  return column === undefined ? base : { ...base, session_version: column };
}

export const DEFAULT_COLUMNS: ColumnMap = Object.freeze({
  id: 'id',
  email: 'email',
  role: 'role',
  password: 'password',
  tenant_id: 'tenant_id',
  verified_at: 'verified_at',
});

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** A plain SQL identifier (a column name): letters, digits and `_`, at most 63 characters. */
export const isIdentifier = (name: string): boolean => IDENTIFIER.test(name);

/** A table name, optionally schema-qualified (`auth.accounts`). */
export function isTableName(name: string): boolean {
  const parts = name.split('.');
  return parts.length <= 2 && parts.every((p) => IDENTIFIER.test(p));
}

/**
 * Parses `USERS_COLUMNS` (`id=user_id,email=email_address`): unnamed fields keep their Authura
 * name. Returns the problems found instead of throwing, for the config report.
 */
export function parseColumnMap(text: string | undefined): { columns: ColumnMap; problems: string[] } {
  const columns: Record<UserField, string> = { ...DEFAULT_COLUMNS };
  const problems: string[] = [];
  for (const entry of (text ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [field, column, extra] = entry.split('=').map((s) => s.trim());
    if (extra !== undefined || !field || !column) {
      problems.push(`"${entry}" is not field=column`);
    } else if (!(USER_FIELDS as readonly string[]).includes(field)) {
      problems.push(`"${field}" is not one of ${USER_FIELDS.join(', ')}`);
    } else if (!IDENTIFIER.test(column)) {
      problems.push(`"${column}" is not a plain SQL identifier`);
    } else {
      columns[field as UserField] = column;
    }
  }
  if (new Set(Object.values(columns)).size !== USER_FIELDS.length) problems.push('two fields map to the same column');
  return { columns, problems };
}

/** A row keyed by column names, read back into user fields. */
export function fromColumns(row: Record<string, unknown>, columns: ColumnMap): Record<MappedField, unknown> {
  return Object.fromEntries(mappedFields(columns).map((f) => [f, row[columns[f] as string]])) as Record<MappedField, unknown>;
}

/** User fields keyed by their column names (only the fields present). */
export function toColumns(fields: Partial<StoredUser>, columns: ColumnMap): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of mappedFields(columns)) if (fields[f] !== undefined) out[columns[f] as string] = fields[f];
  return out;
}
