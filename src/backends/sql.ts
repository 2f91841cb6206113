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
