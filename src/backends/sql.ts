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
