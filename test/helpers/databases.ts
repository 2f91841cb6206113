import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { mfaTableSql } from '../../src/backends/mfa-record.js';
import { passkeysTableSql } from '../../src/backends/passkey-record.js';
import { spentLinksSql } from '../../src/backends/sql.js';

/** The Authura README's users table, exactly as written there. */
export const README_SCHEMA = `
CREATE TABLE "public"."users" (
"id" SERIAL NOT NULL PRIMARY KEY,
"email" VARCHAR NOT NULL,
"role" VARCHAR NOT NULL,
"password" VARCHAR NOT NULL,
"tenant_id" VARCHAR,
"verified_at" TIMESTAMP WITH TIME ZONE
);
CREATE UNIQUE INDEX ON "public"."users" ("email", "tenant_id");
`;

/**
 * The README's table with what `npm run migrate` adds to it: the session version logout bumps
 * and the gateway's table of used links.
 */
export const MIGRATED_SCHEMA = `${README_SCHEMA}; ALTER TABLE users ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0; ${spentLinksSql('users')}${mfaTableSql('users')}${passkeysTableSql('users')}`;

/** A fresh database on the run's Postgres server, optionally with `schema` applied. */
export async function createDatabase(schema = README_SCHEMA, adminUrl = inject('postgresAdminUrl')): Promise<string> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  if (schema) {
    const db = postgres(url.toString(), { max: 1, onnotice: () => {} });
    await db.unsafe(schema);
    await db.end();
  }
  return url.toString();
}
