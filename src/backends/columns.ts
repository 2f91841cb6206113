import type { StoredUser } from './types.js';

/** The user fields a backend stores, in the order they are listed everywhere. */
export const USER_FIELDS = ['id', 'email', 'role', 'password', 'tenant_id', 'verified_at'] as const;
export type UserField = (typeof USER_FIELDS)[number];

/** Column (or GraphQL field) name of each user field: the Authura names unless configured. */
export type ColumnMap = Readonly<Record<UserField, string>>;

export const DEFAULT_COLUMNS: ColumnMap = Object.freeze({
  id: 'id',
  email: 'email',
  role: 'role',
  password: 'password',
  tenant_id: 'tenant_id',
  verified_at: 'verified_at',
});

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

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
export function fromColumns(row: Record<string, unknown>, columns: ColumnMap): Record<UserField, unknown> {
  return Object.fromEntries(USER_FIELDS.map((f) => [f, row[columns[f]]])) as Record<UserField, unknown>;
}

/** User fields keyed by their column names (only the fields present). */
export function toColumns(fields: Partial<StoredUser>, columns: ColumnMap): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of USER_FIELDS) if (fields[f] !== undefined) out[columns[f]] = fields[f];
  return out;
}
