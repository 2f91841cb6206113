/** Helpers the SQL backends (SQLite, Postgres) share. Identifiers come from validated configuration. */

/** A double-quoted SQL identifier; `schema.table` is quoted part by part. */
export function quoteIdentifier(identifier: string): string {
  return identifier
    .split('.')
    .map((part) => `"${part.replace(/"/g, '""')}"`)
    .join('.');
}

/** `schema.table` as its parts; a bare name has no schema. */
export function splitTableName(table: string): { schema: string | undefined; name: string } {
  const [first, second] = table.split('.') as [string, string | undefined];
  return second === undefined ? { schema: undefined, name: first } : { schema: first, name: second };
}

/** The gateway's own table of used mailed links (spend-once): one row per link until it expires. */
export const SPENT_LINKS_TABLE = 'authura_spent_links';

/** Creates the spent-links table (beside the users table, in its schema), if missing; both dialects. */
export function spentLinksSql(usersTable: string): string {
  const { schema } = splitTableName(usersTable);
  const table = quoteIdentifier(schema === undefined ? SPENT_LINKS_TABLE : `${schema}.${SPENT_LINKS_TABLE}`);
  const index = quoteIdentifier(`${SPENT_LINKS_TABLE}_expires_at`);
  return `CREATE TABLE IF NOT EXISTS ${table} (
  "jti" TEXT NOT NULL PRIMARY KEY,
  "expires_at" BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS ${index} ON ${table} ("expires_at");
`;
}

/**
 * The index case-insensitive lookups (EMAIL_LOOKUP=insensitive) use, if missing: on
 * `lower(email)`. SQLite names the index's schema; Postgres puts it beside its table.
 */
export function lowerEmailIndexSql(usersTable: string, emailColumn: string, dialect: 'sqlite' | 'postgres' = 'sqlite'): string {
  const { schema, name } = splitTableName(usersTable);
  const index = `${name}_lower_${emailColumn}`;
  return dialect === 'sqlite'
    ? `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(schema === undefined ? index : `${schema}.${index}`)} ON ${quoteIdentifier(name)} (lower(${quoteIdentifier(emailColumn)}));\n`
    : `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(index)} ON ${quoteIdentifier(usersTable)} (lower(${quoteIdentifier(emailColumn)}));\n`;
}

/** The fix for rows an exact lookup never finds: their emails in lower case (run it after a look). */
export function lowerCaseEmailsSql(usersTable: string, emailColumn: string): string {
  const column = quoteIdentifier(emailColumn);
  return `UPDATE ${quoteIdentifier(usersTable)} SET ${column} = lower(${column}) WHERE ${column} <> lower(${column});\n`;
}
