import type { ColumnMap } from '../columns.js';
import { mfaTableSql } from '../mfa-record.js';
import { passkeysTableSql } from '../passkey-record.js';
import { lowerCaseEmailsSql, lowerEmailIndexSql, quoteIdentifier as quote, spentLinksSql, splitTableName } from '../sql.js';
import type { EmailLookup } from '../types.js';

/**
 * The Authura README's users table for Postgres (and so for Hasura), with the configured
 * names, plus one index the README lacks: NULLs are distinct in a unique index, so without
 * the partial index one email could exist twice when multi-tenancy is off, and the counter
 * logout bumps (`sessionVersion`, also added to an existing table), and the gateway's own tables of
 * used mailed links, of second factors (MFA) and of passkeys. Idempotent and additive.
 */
export function postgresSchemaSql(table: string, c: ColumnMap, sessionVersion: string | undefined, emailLookup: EmailLookup = 'exact'): string {
  const { name } = splitTableName(table);
  const t = quote(table);
  return `CREATE TABLE IF NOT EXISTS ${t} (
  ${quote(c.id)} SERIAL NOT NULL PRIMARY KEY,
  ${quote(c.email)} VARCHAR NOT NULL,
  ${quote(c.role)} VARCHAR NOT NULL,
  ${quote(c.password)} VARCHAR NOT NULL,
  ${quote(c.tenant_id)} VARCHAR,
  ${quote(c.verified_at)} TIMESTAMP WITH TIME ZONE
);
${sessionVersion === undefined ? '' : `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS ${quote(sessionVersion)} INTEGER NOT NULL DEFAULT 0;\n`}CREATE UNIQUE INDEX IF NOT EXISTS ${quote(`${name}_email_tenant_id_key`)} ON ${t} (${quote(c.email)}, ${quote(c.tenant_id)});
CREATE UNIQUE INDEX IF NOT EXISTS ${quote(`${name}_email_no_tenant_key`)} ON ${t} (${quote(c.email)}) WHERE ${quote(c.tenant_id)} IS NULL;
${spentLinksSql(table)}${mfaTableSql(table)}${passkeysTableSql(table)}${emailLookup === 'insensitive' ? lowerEmailIndexSql(table, c.email, 'postgres') : ''}-- Exact lookups (EMAIL_LOOKUP=exact, the default) find only lower-case emails. Rows holding
-- another case (the start warns and counts them) can be fixed with:
-- ${lowerCaseEmailsSql(table, c.email).trim()}
`;
}
